/* step_ecs_config.c: /etc/ecs/ecs.config.
 *
 * Owns: the file /etc/ecs/ecs.config (and its directory).
 * Converged: the file holds exactly the rendered configuration, mode 0600 when any
 * value is a secret (ECS_ENGINE_AUTH_DATA, ..., or a URL with user info), else 0644, and
 * never wider than an existing file's mode.
 * Rendering (lib/ecsconfig.h): the installation document's defaults < keys already in
 * the file (hand edits are kept) < --set/--cluster.  The existing file is parsed with
 * `docker run --env-file` rules first; a line it would refuse (a blank in a key, bad
 * UTF-8) stops the run with exit 100 before anything changes, naming the line.
 * check() renders and compares bytes and mode (cheap: always done for real).
 * apply() writes atomically (tmp, fsync, rename, fsync dir).
 * Crash analysis: the file is the old one or the new one, never a mix; a stale
 * ecs.config.tmp is removed by the next write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/envfile.h"
#include "lib/fetch.h"
#include "lib/fileio.h"
#include "lib/tls.h"
#include "steps.h"

/* The installation document's example configuration, in its order, but for the logging
 * drivers: its example advertises two (json-file, awslogs); ecs-init, and so every
 * ECS-optimized AMI, advertises five.  A user moving a service here expects the task
 * definitions that run there to be placed here (a task with the syslog or fluentd driver
 * is not placed on an instance that does not advertise it), and every Docker Engine has
 * the five built in: ecs-init's five.  An ecs.config that already names its own list
 * keeps it. */
static const struct ecsconfig_kv defaults[] = {
	{ "ECS_DATADIR", "/data" },
	{ "ECS_ENABLE_TASK_IAM_ROLE", "true" },
	{ "ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST", "true" },
	{ "ECS_LOGFILE", "/log/ecs-agent.log" },
	{ "ECS_AVAILABLE_LOGGING_DRIVERS", "[\"json-file\",\"syslog\",\"awslogs\",\"fluentd\",\"none\"]" },
	{ "ECS_LOGLEVEL", "info" },
	{ "ECS_CLUSTER", "default" },
};

static bool cfg_true(struct run *r, const char *key)
{
	return ecsconfig_bool(r->cfg, r->cfg_len, key);
}

/* --config-url: fetch the fragment (bounded), parse it as an env-file, and put its
 * entries in front of --set/--cluster, so those still win. */
struct collect {
	struct ecsconfig_kv *kv;
	size_t n, cap;
	char *arena;
	size_t used, arena_cap;
};

static char *dup_span(struct collect *c, const char *s, size_t n)
{
	char *d;
	if (n + 1 > c->arena_cap - c->used)
		return NULL;
	d = c->arena + c->used;
	memcpy(d, s, n);
	d[n] = '\0';
	c->used += n + 1;
	return d;
}

static int frag_entry(void *ctx, const struct envfile_entry *ent)
{
	struct collect *c = ctx;
	if (!ent->has_eq)
		return 0; /* a pass-through line has no value to give */
	if (c->n == c->cap)
		return -E2BIG;
	c->kv[c->n].key = dup_span(c, ent->key, ent->key_len);
	c->kv[c->n].val = dup_span(c, ent->val, ent->val_len);
	if (!c->kv[c->n].key || !c->kv[c->n].val)
		return -E2BIG;
	c->n++;
	return 0;
}

static int load_config_url(struct run *r, struct ecsconfig_kv *kv, size_t cap, size_t *ret_n)
{
	static char text[BS_CONFIG_MAX + 1], arena[2 * BS_CONFIG_MAX];
	static struct http_resp resp;
	struct http_mem f;
	struct http_sink sink;
	struct fetch_opts fo = { .region = r->region, .max_body = BS_CONFIG_MAX };
	struct collect c = { kv, 0, cap, arena, 0, sizeof arena };
	struct envfile_ops ops = { .entry = frag_entry, .ctx = &c };
	int k;

	http_mem_sink(&sink, &f, text, sizeof text);
	(void) tls_trust_load(&r->net.tls, r->root_fd, r->net.ssl_cert_file, r->net.ssl_cert_var, &r->err); /* failures resurface in the request */
	err_clear(&r->err);
	k = fetch_url(&r->net, r->config_url, &fo, &sink, &resp, &r->err);
	if (k < 0)
		return err_wrap(&r->err, "--config-url");
	k = envfile_parse(text, f.len, &ops, &r->err);
	if (k == -E2BIG && c.n == cap)
		return err_setx(&r->err, k, BS_EXIT_USAGE, "--config-url: more than %zu entries", cap);
	if (k < 0) {
		err_class(&r->err, BS_EXIT_USAGE);
		return err_wrap(&r->err, "--config-url %s", r->config_url);
	}
	*ret_n = c.n;
	return 0;
}

int ecs_config_prepare(struct run *r)
{
	static struct ecsconfig_kv all[BS_CONFIG_ENTRIES + BS_MAX_SETS + 1];
	struct ecsconfig_input in = { .defaults = defaults, .n_defaults = sizeof defaults / sizeof defaults[0],
				      .overrides = r->sets, .n_overrides = r->n_sets };
	size_t n_url = 0;
	int k;

	if (r->config_url) {
		k = load_config_url(r, all, BS_CONFIG_ENTRIES, &n_url);
		if (k < 0)
			return k;
		memcpy(all + n_url, r->sets, r->n_sets * sizeof r->sets[0]);
		in.overrides = all;
		in.n_overrides = n_url + r->n_sets;
	}

	k = fileio_read_bounded(r->root_fd, PATH_ECS_CONFIG, r->cfg_old, sizeof r->cfg_old, &r->cfg_old_len, &r->err);
	if (k == -ENOENT) {
		err_clear(&r->err);
		r->cfg_old_exists = false;
		r->cfg_old_len = 0;
	} else if (k < 0) {
		return k;
	} else {
		struct stat st;
		int fd = fileio_open(r->root_fd, PATH_ECS_CONFIG, O_RDONLY | O_NOCTTY, 0);
		if (fd < 0 || fstat(fd, &st) < 0) {
			k = fd < 0 ? fd : -errno;
			if (fd >= 0)
				(void) close(fd);
			return err_set(&r->err, k, "stat '%s': %s", PATH_ECS_CONFIG, strerror(-k));
		}
		(void) close(fd);
		r->cfg_old_mode = st.st_mode & 07777;
		r->cfg_old_exists = true;
		in.old = r->cfg_old;
		in.old_len = r->cfg_old_len;
	}
	/* bake: no cluster in an image unless asked (the default is the last entry). */
	if (r->bake && !r->cluster)
		in.n_defaults--;
	k = ecsconfig_render(&in, r->cfg, sizeof r->cfg, &r->cfg_len, &r->err);
	if (k == 0 && r->bake && !r->cluster)
		k = ecsconfig_remove_key(r->cfg, &r->cfg_len, "ECS_CLUSTER");
	if (k < 0) {
		err_wrap(&r->err, "'%s' (fix the file; nothing was changed)", PATH_ECS_CONFIG);
		r->err.exit_class = BS_EXIT_USAGE;
		return k;
	}
	k = ecsconfig_has_secret(r->cfg, r->cfg_len);
	if (k < 0)
		return err_setx(&r->err, -EINVAL, BS_EXIT_INTERNAL, "rendered ecs.config does not parse");
	r->cfg_secret = k > 0;
	r->skip_localhost_filter = cfg_true(r, "ECS_SKIP_LOCALHOST_TRAFFIC_FILTER");
	r->allow_offhost_introspection = cfg_true(r, "ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS");
	return 0;
}

/* 0600 with a secret, else 0644, and never wider than the file already is: an operator who
 * made it 0600 (or 0640) keeps that, whatever it holds. */
static mode_t want_mode(const struct run *r)
{
	mode_t base = r->cfg_secret ? 0600 : 0644;
	return r->cfg_old_exists ? base & (r->cfg_old_mode | 0600) : base;
}

void ecs_config_inputs(struct run *r, struct sha256_ctx *h)
{
	sha256_update(h, r->cfg, r->cfg_len);
	char mode[8];
	(void) snprintf(mode, sizeof mode, "%04o", (unsigned) want_mode(r));
	sha256_update_str(h, mode);
}

int ecs_config_check(struct run *r)
{
	int k = fileio_equals(r->root_fd, PATH_ECS_CONFIG, r->cfg, r->cfg_len, want_mode(r), &r->err);
	if (k == 0)
		run_why(r, "'%s' %s", PATH_ECS_CONFIG, r->cfg_old_exists ? "differs from the rendered configuration" : "missing");
	return k;
}

int ecs_config_apply(struct run *r)
{
	int k = fileio_mkdir_p(r->root_fd, PATH_ECS_CONFIG_DIR, 0755, &r->err);
	if (k < 0)
		return k;
	k = fileio_write_atomic(r->root_fd, PATH_ECS_CONFIG, r->cfg, r->cfg_len, want_mode(r), &r->err);
	if (k < 0)
		return k;
	run_done(r, "wrote '%s' (%zu bytes, mode %04o%s)", PATH_ECS_CONFIG, r->cfg_len, (unsigned) want_mode(r),
		 r->cfg_secret ? ": it holds a secret" : "");
	return 0;
}
