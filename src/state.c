/* state.c: see state.h. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/imds.h"
#include "lib/json.h"
#include "log.h"
#include "paths.h"
#include "run.h"

const char *state_scope_name(enum bs_scope s)
{
	switch (s) {
	case SCOPE_RUN: return "run";
	case SCOPE_BOOT: return "boot";
	case SCOPE_INSTANCE: return "instance";
	case SCOPE_ONCE: return "once";
	}
	return "?";
}

/* Read a one-line id file into buf: trimmed, printable, non-empty.  1 if read. */
static int read_id(struct run *r, const char *path, char *buf, size_t cap)
{
	char tmp[BS_SMALL_FILE_MAX];
	size_t n = 0, i, j = 0;
	struct bs_err e;

	if (fileio_read_bounded(r->root_fd, path, tmp, sizeof tmp, &n, &e) < 0)
		return 0;
	for (i = 0; i < n && j + 1 < cap; i++) {
		char c = tmp[i];
		if (c == '\n' || c == '\r')
			break;
		if (c < 0x21 || c > 0x7e)
			return 0; /* not an id: ignore rather than embed junk in checkpoints */
		buf[j++] = c;
	}
	buf[j] = '\0';
	return j > 0;
}

static bool id_chars(const char *s, const char *allowed)
{
	return *s && strspn(s, allowed) == strlen(s);
}

/* One quick IMDS try: on EC2 it answers in a millisecond; elsewhere we do not wait long.
 * One document gives the instance id, the availability zone and the region (one request
 * instead of three; each costs a connection). */
static int imds_identity(struct run *r)
{
	static char doc[4096];
	static jsmntok_t tok[128];
	size_t n = 0;
	struct bs_err e;
	struct json j;

	if (imds_get(&r->net, "/latest/dynamic/instance-identity/document", 1, doc, sizeof doc, &n, &e) < 0 ||
	    json_parse(&j, doc, n, tok, 128, &e) < 0 ||
	    json_get_string(&j, 0, "instanceId", r->instance_id, sizeof r->instance_id) <= 0 ||
	    !id_chars(r->instance_id, "abcdefghijklmnopqrstuvwxyz0123456789-")) {
		r->instance_id[0] = '\0';
		return 0;
	}
	/* For the operator's log, and the agent's download: where this instance runs. */
	if (json_get_string(&j, 0, "availabilityZone", r->az, sizeof r->az) <= 0 ||
	    !id_chars(r->az, "abcdefghijklmnopqrstuvwxyz0123456789-"))
		r->az[0] = '\0';
	if (json_get_string(&j, 0, "region", r->imds_region, sizeof r->imds_region) <= 0 ||
	    !id_chars(r->imds_region, "abcdefghijklmnopqrstuvwxyz0123456789-"))
		r->imds_region[0] = '\0';
	return 1;
}

void state_load_ids(struct run *r)
{
	if (!read_id(r, PATH_BOOT_ID, r->boot_id, sizeof r->boot_id))
		(void) snprintf(r->boot_id, sizeof r->boot_id, "unknown");
	if (imds_identity(r))
		r->instance_id_source = "IMDS";
	else if (read_id(r, PATH_CLOUD_INSTANCE_ID, r->instance_id, sizeof r->instance_id))
		r->instance_id_source = PATH_CLOUD_INSTANCE_ID;
	else if (read_id(r, PATH_MACHINE_ID, r->instance_id, sizeof r->instance_id))
		r->instance_id_source = PATH_MACHINE_ID;
	else {
		(void) snprintf(r->instance_id, sizeof r->instance_id, "unknown");
		r->instance_id_source = "none";
	}
}

static const char *scope_id(struct run *r, enum bs_scope scope)
{
	switch (scope) {
	case SCOPE_BOOT: return r->boot_id;
	case SCOPE_INSTANCE: return r->instance_id;
	default: return "-";
	}
}

static int cp_path(const char *step, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/%s", PATH_STATE_DIR, step);
	return n < 0 || (size_t) n >= cap ? -ENAMETOOLONG : 0;
}

/* Copy the value of "key=" from a checkpoint text into buf. */
static bool field(const char *text, const char *key, char *buf, size_t cap)
{
	size_t kn = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, kn) == 0 && p[kn] == '=') {
			const char *v = p + kn + 1, *end = strchr(v, '\n');
			size_t n = end ? (size_t) (end - v) : strlen(v);
			if (n >= cap)
				return false;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

int state_read(struct run *r, const char *step, enum bs_scope scope, const char *fingerprint,
	       struct state_cp *cp, struct bs_err *e)
{
	char path[256], text[BS_SMALL_FILE_MAX], t[32];
	size_t n;
	int k;

	memset(cp, 0, sizeof *cp);
	if (cp_path(step, path, sizeof path) < 0)
		return err_set(e, -ENAMETOOLONG, "checkpoint name too long: %s", step);
	k = fileio_read_bounded(r->root_fd, path, text, sizeof text, &n, e);
	if (k == -ENOENT) {
		err_clear(e);
		cp->stale = "no checkpoint";
		return 0;
	}
	if (k < 0)
		return k;
	cp->exists = true;
	if (!field(text, "fingerprint", cp->fingerprint, sizeof cp->fingerprint) ||
	    !field(text, "scope_id", cp->scope_id, sizeof cp->scope_id) || !field(text, "time", t, sizeof t)) {
		cp->stale = "unreadable checkpoint";
		return 0;
	}
	cp->time = strtoll(t, NULL, 10);
	if (strcmp(cp->fingerprint, fingerprint) != 0)
		cp->stale = "inputs changed";
	else if (strcmp(cp->scope_id, scope_id(r, scope)) != 0 || strcmp(cp->scope_id, "unknown") == 0)
		cp->stale = scope == SCOPE_BOOT ? "other boot" : "other instance";
	else
		cp->valid = true;
	return 0;
}

int state_write(struct run *r, const char *step, enum bs_scope scope, const char *fingerprint,
		struct bs_err *e)
{
	char path[256], text[BS_SMALL_FILE_MAX];
	int n, k;

	if (cp_path(step, path, sizeof path) < 0)
		return err_set(e, -ENAMETOOLONG, "checkpoint name too long: %s", step);
	n = snprintf(text, sizeof text, "step=%s\nfingerprint=%s\nscope=%s\nscope_id=%s\ntime=%lld\n", step,
		     fingerprint, state_scope_name(scope), scope_id(r, scope), (long long) time(NULL));
	if (n < 0 || (size_t) n >= sizeof text)
		return err_set(e, -E2BIG, "checkpoint of %s too large", step);
	k = fileio_mkdir_p(r->root_fd, PATH_STATE_DIR, 0700, e);
	if (k < 0)
		return k;
	return fileio_write_atomic(r->root_fd, path, text, (size_t) n, 0600, e);
}

int state_forget(struct run *r, const char *step, struct bs_err *e)
{
	char path[256];
	if (cp_path(step, path, sizeof path) < 0)
		return err_set(e, -ENAMETOOLONG, "checkpoint name too long: %s", step);
	return fileio_unlink(r->root_fd, path, e);
}

int state_lock(struct run *r, int timeout_ms, struct bs_err *e)
{
	struct timespec nap = { 0, 50000000L };
	int fd, k, waited = 0;
	bool said = false;

	k = fileio_mkdir_p(r->root_fd, "/run", 0755, e);
	if (k < 0)
		return k;
	fd = fileio_open(r->root_fd, PATH_LOCK, O_RDWR | O_CREAT | O_NOCTTY, 0600);
	if (fd < 0)
		return err_set(e, fd, "open lock '%s': %s", PATH_LOCK, strerror(-fd));
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			k = -errno;
			(void) close(fd);
			return err_set(e, k, "lock '%s': %s", PATH_LOCK, strerror(-k));
		}
		if (waited >= timeout_ms) {
			(void) close(fd);
			return err_setx(e, -EBUSY, BS_EXIT_TEMP,
					"another ecs-bootstrap holds '%s' (waited %d ms)", PATH_LOCK, waited);
		}
		if (!said) {
			log_msg(LOG_INFO, NULL, "waiting for another ecs-bootstrap run to finish (lock '%s', at most %d s)",
				PATH_LOCK, timeout_ms / 1000);
			said = true;
		}
		(void) nanosleep(&nap, NULL);
		waited += 50;
	}
}
