/* docker.h: the Docker Engine API over its unix socket, through the HTTP client.
 *
 * The socket is the caller's host (DOCKER_HOST's value, unix:// only) or
 * /var/run/docker.sock under the root.  The API version is
 * negotiated from /_ping's Api-Version: the lower of the daemon's and ours (1.51, Docker
 * 28; the calls made here are the same from 1.21 on, and Docker 29 refuses clients below
 * 1.44); daemons below 1.21 (Docker 1.9) are refused.  Requests are versioned (/v1.51/...).
 * A daemon that does not answer is a temporary failure (exit class 111).
 */
#ifndef BS_DOCKER_H
#define BS_DOCKER_H

#include <stddef.h>

#include "../err.h"
#include "http.h"
#include "json.h"

#define DOCKER_ANSWER_MAX (1024 * 1024)
#define DOCKER_TOKENS 8192

/* A client: the caller's, with the buffers its calls work and answer in (about 2.4 MiB; one
 * per program, not on the stack).  What a call returns points into it until the next call. */
struct docker {
	char sock[512];
	char api[16];  /* "1.41" */
	struct http_resp resp;
	struct http_bufs bufs;
	char answer[DOCKER_ANSWER_MAX + 1];
	jsmntok_t tok[DOCKER_TOKENS];
};

/* root: the --root directory ("/" normally) under which the default socket is found;
 * host: DOCKER_HOST's value (NULL or "": the default socket). */
int docker_open(struct docker *d, const char *root, const char *host, struct bs_err *e);

/* The image id ("sha256:...") of ref into id: 1, or 0 when Docker has no such image. */
int docker_image_id(struct docker *d, const char *ref, char *id, size_t cap, struct bs_err *e);

/* POST /images/load with the docker-save archive on fd (size bytes), streamed.  Docker
 * answers 200 even for a broken archive: the JSON stream is read and an errorDetail is
 * an error carrying Docker's message (exit class 100). */
int docker_image_load(struct docker *d, int fd, long long size, struct bs_err *e);

/* Tag image id as repo:tag. */
int docker_image_tag(struct docker *d, const char *id, const char *repo, const char *tag, struct bs_err *e);

/* Containers (the agent's).  name is a container name or id. */
int docker_container_create(struct docker *d, const char *name, const char *json, size_t json_len, char *id, size_t cap,
			    struct bs_err *e);
int docker_container_start(struct docker *d, const char *name, struct bs_err *e);
/* Stop with a grace period of timeout_s seconds (then Docker kills it). */
int docker_container_stop(struct docker *d, const char *name, int timeout_s, struct bs_err *e);
/* Remove, forcing (a running container is killed); a missing one is fine. */
int docker_container_remove(struct docker *d, const char *name, struct bs_err *e);
/* State: 0 and *running / *exit_code; -ENOENT when there is no such container. */
int docker_container_state(struct docker *d, const char *name, int *running, int *exit_code, struct bs_err *e);

/* Config.Labels[keys[i]] of container name into vals[i] (each cap bytes; "" when absent), from
 * one inspect.  0, -ENOENT when there is no such container, or < 0 (e). */
int docker_container_labels(struct docker *d, const char *name, const char *const keys[], char *vals[], size_t n,
			    size_t cap, struct bs_err *e);

#endif
