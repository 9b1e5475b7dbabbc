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

/* An image reference as `docker pull` takes it: [REGISTRY/]PATH[:TAG][@sha256:<64 hex>], at
 * most 255 bytes of a-z 0-9 . _ - / : @ (no scheme, no upper case).  name: REGISTRY/PATH; tag
 * ("latest" when neither a tag nor a digest is given, "" with only a digest) and digest;
 * host: the registry (the first component when it has a '.' or ':' or is localhost, else
 * Docker Hub: "docker.io").  0, or -EINVAL with e saying what is wrong (exit class 100). */
struct docker_ref {
	char name[256];
	char tag[129];
	char digest[72];
	char host[256];
};
int docker_ref_parse(const char *ref, struct docker_ref *r, struct bs_err *e);
/* r as Docker names what it pulls: NAME@DIGEST, else NAME:TAG (into buf, cap bytes). */
void docker_ref_string(const struct docker_ref *r, char *buf, size_t cap);

/* The X-Registry-Auth value (base64url of {"username","password","serveraddress"}) for
 * host, from the text of Docker's config.json: its "auths" entry for host ("auth":
 * base64(user:password), or "username" and "password"), found under host, https://host or
 * http://host with or without a path (Docker Hub's "https://index.docker.io/v1/" for
 * docker.io).  1, 0 when there is none, or < 0 when the file or the entry is malformed (e,
 * exit class 100; no secret in the message). */
int docker_registry_auth(const char *cfg, size_t len, const char *host, char *out, size_t cap, struct bs_err *e);

/* POST /images/create: Docker pulls ref (by digest when it has one, else by tag) with the
 * X-Registry-Auth value auth (NULL: anonymously).  Docker answers 200, then streams a JSON
 * object a line: each with a status goes to progress (status, the layer's id or "", bytes done
 * and total, or 0); an errorDetail is the error, with Docker's message: exit class 102 when
 * the content did not match its digest or a pinned digest is not there, 100 for a name or tag
 * the registry does not know or credentials it refuses, else 111. */
typedef void docker_progress_fn(void *ctx, const char *status, const char *id, long long cur, long long total);
int docker_image_pull(struct docker *d, const struct docker_ref *ref, const char *auth, docker_progress_fn *progress,
		      void *ctx, struct bs_err *e);

/* Of image ref's RepoDigests, the one for name (NAME@sha256:..., Docker Hub's short names
 * matched too) into digest ("sha256:..."): 1, 0 when there is none. */
int docker_image_repo_digest(struct docker *d, const char *ref, const char *name, char *digest, size_t cap,
			     struct bs_err *e);

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
