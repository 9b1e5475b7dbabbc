/* docker.c: see docker.h. */
#include "docker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"

#define OUR_API_MAJOR 1
#define OUR_API_MINOR 51
#define MIN_API_MINOR 21

static void opts(struct docker *d, struct http_opts *o, const char *method, int attempts)
{
	memset(o, 0, sizeof *o);
	o->method = method;
	o->unix_path = d->sock;
	o->bufs = &d->bufs;
	o->no_proxy = true;
	o->max_redirects = -1;
	o->max_attempts = attempts;
	o->max_total_ms = 30000;
	o->io_timeout_ms = 600000; /* loading a large image can take minutes before Docker answers */
}

static int call(struct docker *d, const char *method, const char *path, struct http_opts *o, struct http_resp *r,
		struct bs_err *e)
{
	struct http_mem m;
	struct http_sink s;
	char url[1024];
	int k;

	http_mem_sink(&s, &m, d->answer, sizeof d->answer);
	(void) snprintf(url, sizeof url, "http://docker/v%s%s", d->api, path);
	o->method = method;
	k = http_request(url, o, &s, r, e);
	if (k < 0) {
		err_class(e, BS_EXIT_TEMP);
		return err_wrap(e, "Docker API %s %s (socket '%s')", method, path, d->sock);
	}
	return 0;
}

/* Docker's {"message": "..."} of a failed call, into e. */
static int api_error(struct docker *d, const char *what, const struct http_resp *r, struct bs_err *e)
{
	char msg[400] = "";
	struct json j;
	struct bs_err ignore;

	if (json_parse(&j, r->err_body, r->err_body_len, d->tok, 32, &ignore) == 0)
		(void) json_get_string(&j, 0, "message", msg, sizeof msg);
	return err_setx(e, -EIO, r->status >= 500 ? BS_EXIT_TEMP : BS_EXIT_USAGE, "Docker %s: HTTP %d%s%s", what, r->status,
			msg[0] ? ": " : "", msg);
}

int docker_open(struct docker *d, const char *root, const char *host, struct bs_err *e)
{
	struct http_resp *r = &d->resp;
	struct http_opts o;
	struct http_mem m;
	struct http_sink s;
	int maj = 0, min = 0, k;

	if (host && *host) {
		if (strncmp(host, "unix://", 7) != 0)
			return err_setx(e, -EINVAL, BS_EXIT_USAGE, "DOCKER_HOST '%s': only unix:// sockets are supported", host);
		(void) snprintf(d->sock, sizeof d->sock, "%s", host + 7);
	} else {
		(void) snprintf(d->sock, sizeof d->sock, "%s/var/run/docker.sock", strcmp(root, "/") ? root : "");
	}
	opts(d, &o, "GET", 5);
	o.io_timeout_ms = 10000;
	http_mem_sink(&s, &m, d->answer, sizeof d->answer);
	k = http_request("http://docker/_ping", &o, &s, r, e);
	if (k < 0) {
		err_class(e, BS_EXIT_TEMP);
		return err_wrap(e, "Docker is not answering on '%s' (is docker running?)", d->sock);
	}
	if (r->status != 200)
		return err_setx(e, -EIO, BS_EXIT_TEMP, "Docker /_ping on '%s': HTTP %d", d->sock, r->status);
	/* No Api-Version header: a daemon old enough to predate it; assume 1.24 like Docker's client. */
	if (!r->api_version[0] || sscanf(r->api_version, "%d.%d", &maj, &min) != 2)
		maj = 1, min = 24;
	if (maj < 1 || (maj == 1 && min < MIN_API_MINOR))
		return err_setx(e, -ENOTSUP, BS_EXIT_USAGE, "Docker API %d.%d is too old: Docker 1.9 (API 1.21) or later is required",
				maj, min);
	if (maj < OUR_API_MAJOR || (maj == OUR_API_MAJOR && min <= OUR_API_MINOR)) {
		(void) snprintf(d->api, sizeof d->api, "%d.%d", maj, min);
		return 0;
	}
	/* A daemon newer than us may refuse our version (Docker 29 refuses below 1.44): ask once,
	 * so that it is said here and not as a broken pipe in the middle of a load. */
	(void) snprintf(d->api, sizeof d->api, "%d.%d", OUR_API_MAJOR, OUR_API_MINOR);
	opts(d, &o, "GET", 5);
	o.io_timeout_ms = 10000;
	k = call(d, "GET", "/_ping", &o, r, e);
	if (k < 0)
		return k;
	if (r->status != 200) {
		(void) api_error(d, "ping", r, e);
		return err_wrap(e, "Docker (API %d.%d) refuses API %s, the newest this ecs-bootstrap speaks", maj, min, d->api);
	}
	return 0;
}

/* GET path (an inspect), parsed into j.  0, -ENOENT on 404, or < 0 (e). */
static int inspect(struct docker *d, const char *path, const char *what, struct json *j, struct bs_err *e)
{
	struct http_resp *r = &d->resp;
	struct http_opts o;
	int k;

	opts(d, &o, "GET", 3);
	k = call(d, "GET", path, &o, r, e);
	if (k < 0)
		return k;
	if (r->status == 404)
		return -ENOENT;
	if (r->status != 200)
		return api_error(d, what, r, e);
	return json_parse(j, d->answer, strlen(d->answer), d->tok, DOCKER_TOKENS, e) < 0 ? -EBADMSG : 0;
}

static int container_inspect(struct docker *d, const char *name, struct json *j, struct bs_err *e)
{
	char path[300];
	(void) snprintf(path, sizeof path, "/containers/%s/json", name);
	return inspect(d, path, "container inspect", j, e);
}

int docker_image_id(struct docker *d, const char *ref, char *id, size_t cap, struct bs_err *e)
{
	struct json j;
	char path[600];
	int k;

	(void) snprintf(path, sizeof path, "/images/%s/json", ref);
	k = inspect(d, path, "image inspect", &j, e);
	if (k == -ENOENT)
		return 0;
	if (k == -EBADMSG || (k == 0 && json_get_string(&j, 0, "Id", id, cap) <= 0))
		return err_setx(e, -EBADMSG, BS_EXIT_TEMP, "Docker image inspect of %s: no Id in the answer", ref);
	return k < 0 ? k : 1;
}

int docker_image_load(struct docker *d, int fd, long long size, struct bs_err *e)
{
	struct http_resp *r = &d->resp;
	struct http_opts o;
	char *line, *save = NULL;
	bool loaded = false;
	int k;

	opts(d, &o, "POST", 1); /* a load is not retried: the archive may be half consumed */
	o.headers = "Content-Type: application/x-tar\r\n";
	o.body_from_fd = true;
	o.body_fd = fd;
	o.body_len = (size_t) size;
	k = call(d, "POST", "/images/load?quiet=1", &o, r, e);
	if (k < 0)
		return k;
	if (r->status != 200)
		return api_error(d, "image load", r, e);
	/* A stream of JSON objects, one a line: {"stream":...} or {"errorDetail":{...},"error":...}. */
	for (line = strtok_r(d->answer, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		struct json j;
		struct bs_err ignore;
		char msg[400];
		if (json_parse(&j, line, strlen(line), d->tok, 64, &ignore) < 0)
			continue;
		if (json_get(&j, 0, "errorDetail") >= 0 || json_get(&j, 0, "error") >= 0) {
			if (json_get_string(&j, json_get(&j, 0, "errorDetail"), "message", msg, sizeof msg) <= 0 &&
			    json_get_string(&j, 0, "error", msg, sizeof msg) <= 0)
				(void) snprintf(msg, sizeof msg, "(no message)");
			return err_setx(e, -EIO, BS_EXIT_USAGE, "Docker refused the image: %s", msg);
		}
		if (json_get_string(&j, 0, "stream", msg, sizeof msg) > 0 && strstr(msg, "Loaded image"))
			loaded = true;
	}
	if (!loaded)
		return err_setx(e, -EIO, BS_EXIT_TEMP, "Docker image load: no 'Loaded image' in the answer");
	return 0;
}

/* A call without an answer body worth reading: ok when the status is one of ok1, ok2. */
static int simple(struct docker *d, const char *method, const char *path, const char *what, int ok1, int ok2,
		  struct bs_err *e)
{
	struct http_resp *r = &d->resp;
	struct http_opts o;
	int k;

	opts(d, &o, method, 3);
	k = call(d, method, path, &o, r, e);
	if (k < 0)
		return k;
	return r->status == ok1 || r->status == ok2 ? 0 : api_error(d, what, r, e);
}

int docker_image_tag(struct docker *d, const char *id, const char *repo, const char *tag, struct bs_err *e)
{
	char path[700];
	(void) snprintf(path, sizeof path, "/images/%s/tag?repo=%s&tag=%s", id, repo, tag);
	return simple(d, "POST", path, "image tag", 201, 200, e);
}


int docker_container_create(struct docker *d, const char *name, const char *json, size_t json_len, char *id, size_t cap,
			    struct bs_err *e)
{
	struct http_resp *r = &d->resp;
	struct http_opts o;
	struct json j;
	char path[300];
	int k;

	opts(d, &o, "POST", 3);
	o.headers = "Content-Type: application/json\r\n";
	o.body = json;
	o.body_len = json_len;
	(void) snprintf(path, sizeof path, "/containers/create?name=%s", name);
	k = call(d, "POST", path, &o, r, e);
	if (k < 0)
		return k;
	if (r->status != 201)
		return api_error(d, "container create", r, e);
	if (json_parse(&j, d->answer, strlen(d->answer), d->tok, 64, e) < 0 || json_get_string(&j, 0, "Id", id, cap) <= 0)
		return err_setx(e, -EBADMSG, BS_EXIT_TEMP, "Docker container create: no Id in the answer");
	return 0;
}

int docker_container_start(struct docker *d, const char *name, struct bs_err *e)
{
	char path[300];
	(void) snprintf(path, sizeof path, "/containers/%s/start", name);
	return simple(d, "POST", path, "container start", 204, 304, e);
}

int docker_container_stop(struct docker *d, const char *name, int timeout_s, struct bs_err *e)
{
	char path[300];
	(void) snprintf(path, sizeof path, "/containers/%s/stop?t=%d", name, timeout_s);
	return simple(d, "POST", path, "container stop", 204, 304, e);
}

int docker_container_remove(struct docker *d, const char *name, struct bs_err *e)
{
	char path[300];
	(void) snprintf(path, sizeof path, "/containers/%s?force=1", name);
	return simple(d, "DELETE", path, "container remove", 204, 404, e);
}


int docker_container_state(struct docker *d, const char *name, int *running, int *exit_code, struct bs_err *e)
{
	struct json j;
	long long code = 0;
	int k = container_inspect(d, name, &j, e), st;

	if (k < 0)
		return k;
	if ((st = json_get(&j, 0, "State")) < 0)
		return err_setx(e, -EBADMSG, BS_EXIT_TEMP, "Docker container inspect: no State");
	*running = json_is_true(&j, json_get(&j, st, "Running"));
	(void) json_int(&j, json_get(&j, st, "ExitCode"), &code);
	*exit_code = (int) code;
	return 0;
}

int docker_container_labels(struct docker *d, const char *name, const char *const keys[], char *vals[], size_t n,
			    size_t cap, struct bs_err *e)
{
	struct json j;
	int k, cfg, labels;

	for (size_t i = 0; i < n; i++)
		vals[i][0] = '\0';
	k = container_inspect(d, name, &j, e);
	if (k < 0)
		return k;
	if ((cfg = json_get(&j, 0, "Config")) < 0)
		return err_setx(e, -EBADMSG, BS_EXIT_TEMP, "Docker container inspect: no Config");
	labels = json_get(&j, cfg, "Labels");
	for (size_t i = 0; labels >= 0 && i < n; i++)
		if (json_get_string(&j, labels, keys[i], vals[i], cap) < 0)
			vals[i][0] = '\0';
	return 0;
}
