/* docker.c: see docker.h. */
#include "docker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "http.h"
#include "json.h"
#include "strbuf.h"

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

/* "MAJOR.MINOR" (Api-Version: digits, a dot, digits; anything after is ignored). */
static bool api_version_parse(const char *s, int *maj, int *min)
{
	int v[2] = { 0, 0 };
	for (int i = 0; i < 2; i++) {
		size_t d = strspn(s, "0123456789");
		if (!d || d > 6 || (i == 0 && s[d] != '.'))
			return false;
		for (size_t j = 0; j < d; j++)
			v[i] = v[i] * 10 + (s[j] - '0');
		s += d + 1;
	}
	*maj = v[0], *min = v[1];
	return true;
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
	if (!api_version_parse(r->api_version, &maj, &min))
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


/* ---- pulls: references, credentials, the stream */

int docker_ref_parse(const char *ref, struct docker_ref *r, struct bs_err *e)
{
	size_t n = strlen(ref), name_len;
	const char *at, *slash, *colon;

	memset(r, 0, sizeof *r);
	if (n == 0 || n > 255)
		return err_setx(e, -EINVAL, BS_EXIT_USAGE, "image reference '%.80s': want 1 to 255 characters", ref);
	if (strspn(ref, "abcdefghijklmnopqrstuvwxyz0123456789._-/:@") != n || ref[0] == '/' || ref[0] == '.' ||
	    ref[0] == '-' || strstr(ref, "//") || strstr(ref, "://"))
		return err_setx(e, -EINVAL, BS_EXIT_USAGE,
				"image reference '%.255s': want [REGISTRY/]PATH[:TAG][@sha256:DIGEST] (lower case, no scheme)", ref);
	at = strchr(ref, '@');
	if (at) {
		if (strchr(at + 1, '@') || strncmp(at + 1, "sha256:", 7) != 0 || strlen(at + 8) != 64 ||
		    strspn(at + 8, "0123456789abcdef") != 64)
			return err_setx(e, -EINVAL, BS_EXIT_USAGE, "image reference '%.255s': a digest is @sha256: and 64 hex digits", ref);
		(void) snprintf(r->digest, sizeof r->digest, "%s", at + 1);
		name_len = (size_t) (at - ref);
	} else {
		name_len = n;
	}
	/* a tag: after the last ':' that follows the last '/' */
	slash = memrchr(ref, '/', name_len);
	colon = memrchr(slash ? slash : ref, ':', name_len - (size_t) ((slash ? slash : ref) - ref));
	if (colon) {
		size_t tl = name_len - (size_t) (colon - ref) - 1;
		if (tl == 0 || tl > 128 || colon[1] == '.' || colon[1] == '-')
			return err_setx(e, -EINVAL, BS_EXIT_USAGE, "image reference '%.255s': a tag is 1 to 128 of [a-z0-9._-], not first . or -", ref);
		(void) snprintf(r->tag, sizeof r->tag, "%.*s", (int) tl, colon + 1);
		if (strpbrk(r->tag, "/:"))
			return err_setx(e, -EINVAL, BS_EXIT_USAGE, "image reference '%.255s': bad tag", ref);
		name_len = (size_t) (colon - ref);
	} else if (!at) {
		(void) snprintf(r->tag, sizeof r->tag, "latest");
	}
	if (name_len == 0 || ref[name_len - 1] == '/')
		return err_setx(e, -EINVAL, BS_EXIT_USAGE, "image reference '%.255s': no name", ref);
	(void) snprintf(r->name, sizeof r->name, "%.*s", (int) name_len, ref);
	slash = strchr(r->name, '/');
	if (slash && (memchr(r->name, '.', (size_t) (slash - r->name)) || memchr(r->name, ':', (size_t) (slash - r->name)) ||
		      !strncmp(r->name, "localhost/", 10)))
		(void) snprintf(r->host, sizeof r->host, "%.*s", (int) (slash - r->name), r->name);
	else
		(void) snprintf(r->host, sizeof r->host, "docker.io");
	if (strchr(r->name, ':') && strchr(r->name, ':') > (slash ? slash : r->name + name_len))
		return err_setx(e, -EINVAL, BS_EXIT_USAGE, "image reference '%.255s': bad name", ref);
	return 0;
}

void docker_ref_string(const struct docker_ref *r, char *buf, size_t cap)
{
	(void) snprintf(buf, cap, "%s%s%s", r->name, r->digest[0] ? "@" : ":", r->digest[0] ? r->digest : r->tag);
}

/* Does the config.json key k name host? */
static bool auth_key_is(const char *k, const char *host)
{
	size_t hl = strlen(host);

	if (!strncmp(k, "https://", 8))
		k += 8;
	else if (!strncmp(k, "http://", 7))
		k += 7;
	if (!strcmp(host, "docker.io") && (!strncmp(k, "index.docker.io", 15) || !strncmp(k, "registry-1.docker.io", 20)) &&
	    (k[k[0] == 'i' ? 15 : 20] == '\0' || k[k[0] == 'i' ? 15 : 20] == '/'))
		return true;
	return !strncmp(k, host, hl) && (k[hl] == '\0' || k[hl] == '/');
}

static void sb_out(void *ctx, const char *p, size_t n)
{
	strbuf_put(ctx, p, n);
}

int docker_registry_auth(const char *cfg, size_t len, const char *host, char *out, size_t cap, struct bs_err *e)
{
	static jsmntok_t tok[2048];
	struct json j;
	char key[512], user[1200] = "", pass[1200] = "", blob[1600], body[8192];
	struct strbuf b = { body, 0, sizeof body, false };
	int auths, entry = -1, k;

	if (json_parse(&j, cfg, len, tok, sizeof tok / sizeof tok[0], e) < 0)
		return err_class(e, BS_EXIT_USAGE), err_wrap(e, "Docker's config.json");
	if (j.tok[0].type != JSMN_OBJECT)
		return err_setx(e, -EINVAL, BS_EXIT_USAGE, "Docker's config.json: not a JSON object");
	auths = json_get(&j, 0, "auths");
	if (auths < 0 || j.tok[auths].type != JSMN_OBJECT)
		return 0;
	for (int i = auths + 1, left = j.tok[auths].size; left > 0; left--, i = json_skip(&j, i + 1)) {
		if (json_string(&j, i, key, sizeof key) > 0 && auth_key_is(key, host)) {
			entry = i + 1;
			break;
		}
	}
	if (entry < 0 || j.tok[entry].type != JSMN_OBJECT)
		return 0;
	if (json_get_string(&j, entry, "auth", blob, sizeof blob) > 0) {
		struct b64 st = { 0 };
		unsigned char dec[1200];
		size_t o = 0;
		char *colon;
		if (b64_decode(&st, (const unsigned char *) blob, strlen(blob), dec, sizeof dec - 1, &o) < 0 ||
		    !(colon = memchr(dec, ':', o)))
			return err_setx(e, -EINVAL, BS_EXIT_USAGE, "Docker's config.json: the \"auth\" of '%s' is not base64 of user:password",
					key);
		dec[o] = '\0';
		*colon = '\0';
		(void) snprintf(user, sizeof user, "%s", (char *) dec);
		(void) snprintf(pass, sizeof pass, "%s", colon + 1);
		memset(dec, 0, sizeof dec);
	} else {
		(void) json_get_string(&j, entry, "username", user, sizeof user);
		(void) json_get_string(&j, entry, "password", pass, sizeof pass);
	}
	memset(blob, 0, sizeof blob);
	if (!user[0] && !pass[0])
		return 0; /* a credential helper's entry ("credsStore"): not read here */
	strbuf_puts(&b, "{\"username\":");
	json_escape(user, strlen(user), sb_out, &b);
	strbuf_puts(&b, ",\"password\":");
	json_escape(pass, strlen(pass), sb_out, &b);
	strbuf_puts(&b, ",\"serveraddress\":");
	json_escape(host, strlen(host), sb_out, &b);
	strbuf_puts(&b, "}");
	memset(pass, 0, sizeof pass);
	k = b.over || !b64_encode((const unsigned char *) body, b.len, out, cap, true) ? -E2BIG : 1;
	memset(body, 0, sizeof body);
	if (k < 0)
		return err_setx(e, -E2BIG, BS_EXIT_USAGE, "Docker's config.json: the credentials of '%s' are too long", key);
	return 1;
}

struct pull {
	struct docker *d;
	char line[4096];
	size_t n;
	bool skipping; /* a line longer than line[]: dropped */
	char error[400];
	docker_progress_fn *progress;
	void *ctx;
};

static void pull_line(struct pull *p)
{
	struct json j;
	struct bs_err ignore;
	char status[200], id[100];
	long long cur = 0, total = 0;
	int pd;

	if (json_parse(&j, p->line, p->n, p->d->tok, 64, &ignore) < 0)
		return;
	if (json_get(&j, 0, "errorDetail") >= 0 || json_get(&j, 0, "error") >= 0) {
		if (!p->error[0] && json_get_string(&j, json_get(&j, 0, "errorDetail"), "message", p->error, sizeof p->error) <= 0 &&
		    json_get_string(&j, 0, "error", p->error, sizeof p->error) <= 0)
			(void) snprintf(p->error, sizeof p->error, "(no message)");
		return;
	}
	if (json_get_string(&j, 0, "status", status, sizeof status) <= 0)
		return;
	if (json_get_string(&j, 0, "id", id, sizeof id) <= 0)
		id[0] = '\0';
	if ((pd = json_get(&j, 0, "progressDetail")) >= 0) {
		(void) json_int(&j, json_get(&j, pd, "current"), &cur);
		(void) json_int(&j, json_get(&j, pd, "total"), &total);
	}
	if (p->progress)
		p->progress(p->ctx, status, id, cur, total);
}

static int pull_begin(void *ctx, const struct http_resp *resp, struct bs_err *e)
{
	struct pull *p = ctx;
	(void) resp;
	(void) e;
	p->n = 0;
	p->skipping = false;
	p->error[0] = '\0';
	return 0;
}

static int pull_data(void *ctx, const void *data, size_t n, struct bs_err *e)
{
	struct pull *p = ctx;
	const char *c = data;
	(void) e;

	for (size_t i = 0; i < n; i++) {
		if (c[i] == '\n') {
			if (!p->skipping && p->n) {
				p->line[p->n] = '\0';
				pull_line(p);
			}
			p->n = 0;
			p->skipping = false;
		} else if (p->n < sizeof p->line - 1) {
			p->line[p->n++] = c[i];
		} else {
			p->skipping = true;
		}
	}
	return 0;
}

/* Which exit class a pull's error message calls for. */
static int pull_class(const struct docker_ref *ref, const char *msg)
{
	if (strstr(msg, "digest") && (strstr(msg, "mismatch") || strstr(msg, "verification failed") || strstr(msg, "does not match")))
		return BS_EXIT_INTEGRITY;
	if (strstr(msg, "manifest unknown") || strstr(msg, "not found") || strstr(msg, "does not exist"))
		return ref->digest[0] ? BS_EXIT_INTEGRITY : BS_EXIT_USAGE;
	if (strstr(msg, "unauthorized") || strstr(msg, "denied") || strstr(msg, "authentication required") || strstr(msg, "credentials") ||
	    strstr(msg, "invalid reference"))
		return BS_EXIT_USAGE;
	return BS_EXIT_TEMP;
}

int docker_image_pull(struct docker *d, const struct docker_ref *ref, const char *auth, docker_progress_fn *progress,
		      void *ctx, struct bs_err *e)
{
	static struct pull p;
	struct http_resp *r = &d->resp;
	struct http_opts o;
	struct http_sink s = { pull_begin, pull_data, &p };
	char url[1024], headers[2200];
	int k;

	p = (struct pull) { .d = d, .progress = progress, .ctx = ctx };
	opts(d, &o, "POST", 1);
	if (auth) {
		(void) snprintf(headers, sizeof headers, "X-Registry-Auth: %s\r\n", auth);
		o.headers = headers;
	}
	(void) snprintf(url, sizeof url, "http://docker/v%s/images/create?fromImage=%s&tag=%s", d->api, ref->name,
			ref->digest[0] ? ref->digest : ref->tag);
	k = http_request(url, &o, &s, r, e);
	memset(headers, 0, sizeof headers);
	if (k < 0) {
		err_class(e, BS_EXIT_TEMP);
		return err_wrap(e, "Docker API POST /images/create (socket '%s')", d->sock);
	}
	if (r->status != 200) {
		char msg[BS_ERR_MSG_MAX];
		(void) api_error(d, "pull", r, e); /* "Docker pull: HTTP N: its message" */
		(void) snprintf(msg, sizeof msg, "%s", e->msg + (strncmp(e->msg, "Docker pull: ", 13) ? 0 : 13));
		docker_ref_string(ref, url, sizeof url);
		return err_setx(e, -EIO, pull_class(ref, msg), "Docker could not pull %s: %s", url, msg);
	}
	if (p.n && !p.skipping) { /* a last line without its newline */
		p.line[p.n] = '\0';
		pull_line(&p);
	}
	if (p.error[0]) {
		docker_ref_string(ref, url, sizeof url);
		return err_setx(e, -EIO, pull_class(ref, p.error), "Docker could not pull %s: %s", url, p.error);
	}
	return 0;
}

int docker_image_repo_digest(struct docker *d, const char *ref, const char *name, char *digest, size_t cap,
			     struct bs_err *e)
{
	struct json j = { 0 };
	char path[600], rd[400];
	const char *short_name = name;
	int k, arr;

	if (!strncmp(short_name, "docker.io/", 10))
		short_name += 10;
	if (!strncmp(short_name, "library/", 8))
		short_name += 8;
	(void) snprintf(path, sizeof path, "/images/%s/json", ref);
	k = inspect(d, path, "image inspect", &j, e);
	if (k == -ENOENT)
		return 0;
	if (k < 0)
		return k == -EBADMSG ? err_setx(e, k, BS_EXIT_TEMP, "Docker image inspect of %s: not JSON", ref) : k;
	arr = json_get(&j, 0, "RepoDigests");
	if (arr < 0 || arr >= j.n || j.tok[arr].type != JSMN_ARRAY)
		return 0;
	for (int i = arr + 1, left = j.tok[arr].size; left > 0; left--, i = json_skip(&j, i)) {
		char *at;
		if (json_string(&j, i, rd, sizeof rd) <= 0 || !(at = strchr(rd, '@')))
			continue;
		*at = '\0';
		if (strcmp(rd, name) != 0 && strcmp(rd, short_name) != 0)
			continue;
		(void) snprintf(digest, cap, "%s", at + 1);
		return 1;
	}
	return 0;
}
