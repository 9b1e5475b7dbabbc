/* options.c: see options.h.
 *
 * Owns: /etc/ecs-bootstrap/options and /etc/ecs-bootstrap/keyring-N.gpg.  Converged: the
 * file holds exactly the rendered options with its mode, each keyring copy holds the bytes
 * of the file it was given as, and no copy beyond the given count is left.
 * Crash analysis: each file is written atomically (fileio_write_atomic); a crash between the
 * keyring copies and the options file leaves the old options, which still name the copies
 * they had, or a copy that the next check finds different and writes again. */
#include "options.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/envfile.h"
#include "lib/fileio.h"
#include "log.h"
#include "trust.h"

#define OPTIONS_MAX RUN_OPTIONS_MAX
#define KEYRING_COPY_MAX (256 * 1024) /* as trust.c reads a keyring */
#define PFX "ECS_BOOTSTRAP_"

/* The saved options that are one string each, in the file's order. */
static const struct {
	const char *key; /* after ECS_BOOTSTRAP_ */
	size_t off;      /* of the const char * in struct run */
} strings[] = {
	{ "METHOD", offsetof(struct run, method_opt) },
	{ "REGION", offsetof(struct run, region) },
	{ "CONFIG_URL", offsetof(struct run, config_url) },
	{ "AGENT_VERSION", offsetof(struct run, agent_version) },
	{ "AGENT_URL", offsetof(struct run, agent_url_opt) },
	{ "AGENT_IMAGE", offsetof(struct run, agent_image) },
};
#define N_STRINGS (sizeof strings / sizeof strings[0])

static const char **field(struct run *r, size_t i)
{
	return (const char **) (void *) ((char *) r + strings[i].off);
}


bool options_url_secret(const char *url)
{
	const char *auth, *end;

	if (!url)
		return false;
	if (strchr(url, '?'))
		return true;
	auth = strstr(url, "://");
	if (!auth)
		return false;
	auth += 3;
	end = auth + strcspn(auth, "/#");
	return memchr(auth, '@', (size_t) (end - auth)) != NULL;
}

static const char *keep(struct run *r, const char *v, size_t n)
{
	char *p;
	if (r->opt.values_len + n + 1 > sizeof r->opt.values)
		return NULL;
	p = r->opt.values + r->opt.values_len;
	memcpy(p, v, n);
	p[n] = '\0';
	r->opt.values_len += n + 1;
	return p;
}

/* The caller's view of a path under --root. */
static const char *in_root(struct run *r, unsigned i)
{
	const char *root = strcmp(r->root, "/") ? r->root : "";
	(void) snprintf(r->opt.kr_paths[i], sizeof r->opt.kr_paths[i], "%s" PATH_OPTIONS_DIR "/keyring-%u.gpg", root, i + 1);
	return r->opt.kr_paths[i];
}

struct loadctx {
	struct run *r;
	size_t n_keyrings;
};

static int saved_entry(void *ctx, const struct envfile_entry *ent)
{
	struct loadctx *lc = ctx;
	struct run *r = lc->r;
	const char *v;
	char key[64];

	if (ent->key_len >= sizeof key) {
		log_msg(LOG_WARNING, "options", "%s line %u: unknown key, ignored", PATH_OPTIONS, ent->line);
		return 0;
	}
	memcpy(key, ent->key, ent->key_len);
	key[ent->key_len] = '\0';
	if (memchr(ent->val, '\0', ent->val_len))
		return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE, "%s line %u: a NUL byte in the value", PATH_OPTIONS, ent->line);
	v = keep(r, ent->val, ent->val_len);
	if (!v)
		return err_setx(&r->err, -E2BIG, BS_EXIT_USAGE, "%s: too many values", PATH_OPTIONS);
	for (size_t i = 0; i < N_STRINGS; i++) {
		if (strncmp(key, PFX, sizeof PFX - 1) != 0 || strcmp(key + sizeof PFX - 1, strings[i].key) != 0)
			continue;
		if (!*field(r, i)) /* given (command line or environment) beats saved */
			*field(r, i) = v;
		return 0;
	}
	if (!strcmp(key, PFX "KEYRING")) {
		/* The saved keyrings are our copies, whatever the line names. */
		if (!r->keyrings_given) {
			if (lc->n_keyrings == TRUST_KEYRINGS_MAX)
				return err_setx(&r->err, -E2BIG, BS_EXIT_USAGE, "%s line %u: more than %d keyrings", PATH_OPTIONS,
						ent->line, TRUST_KEYRINGS_MAX);
			r->keyrings[lc->n_keyrings] = in_root(r, (unsigned) lc->n_keyrings);
			lc->n_keyrings++;
		}
	} else if (!strcmp(key, PFX "BLOCK_IMDS")) {
		if (!r->block_imds_given)
			r->block_imds = !strcmp(v, "1");
	} else if (!strcmp(key, PFX "INSTALL_DOCKER")) {
		if (!r->install_docker_given)
			r->no_install_docker = !strcmp(v, "0");
	} else {
		log_msg(LOG_WARNING, "options", "%s line %u: unknown key '%s', ignored", PATH_OPTIONS, ent->line, key);
	}
	return 0;
}

int options_merge(struct run *r)
{
	size_t len = 0;
	struct loadctx lc = { r, 0 };
	struct envfile_ops ops = { .entry = saved_entry, .ctx = &lc };
	int k = fileio_read_bounded(r->root_fd, PATH_OPTIONS, r->opt.saved, sizeof r->opt.saved, &len, &r->err);

	r->opt.values_len = 0;
	if (k == 0) {
		k = envfile_parse(r->opt.saved, len, &ops, &r->err);
		if (k < 0) {
			err_class(&r->err, BS_EXIT_USAGE);
			return err_wrap(&r->err, "%s (remove it, or fix the line)", PATH_OPTIONS);
		}
		if (!r->keyrings_given)
			r->n_keyrings = lc.n_keyrings;
	} else if (k != -ENOENT) {
		return err_class(&r->err, BS_EXIT_USAGE);
	}
	err_clear(&r->err);
	/* Defaults are not saved: an empty value or the default's name clears the option. */
	if (r->method_opt && (!*r->method_opt || !strcmp(r->method_opt, "auto")))
		r->method_opt = NULL;
	if (r->method_opt && strcmp(r->method_opt, "container") != 0 && strcmp(r->method_opt, "package") != 0)
		return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE, "method '%s': want auto, container or package", r->method_opt);
	if (r->agent_version && (!*r->agent_version || !strcmp(r->agent_version, "latest")))
		r->agent_version = NULL;
	if (r->region && !*r->region)
		r->region = NULL;
	if (r->agent_url_opt && !*r->agent_url_opt)
		r->agent_url_opt = NULL;
	if (r->agent_image && !*r->agent_image)
		r->agent_image = NULL;
	if (r->config_url && !*r->config_url)
		r->config_url = NULL;
	/* The fragment may carry secrets (the AWS docs put ECS_ENGINE_AUTH_DATA there): never
	 * over plain http, where anyone on the path reads or changes it. */
	if (r->config_url && strncmp(r->config_url, "https://", 8) != 0 && strncmp(r->config_url, "s3://", 5) != 0)
		return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE,
				"--config-url '%.200s': want https:// or s3:// (the fragment may hold secrets; plain http is refused)",
				options_url_secret(r->config_url) ? "<with credentials>" : r->config_url);
	return 0;
}

static void put(char **p, size_t *left, const char *key, const char *val)
{
	int n = snprintf(*p, *left, PFX "%s=%s\n", key, val);
	if (n < 0 || (size_t) n >= *left) {
		*left = 0;
		return;
	}
	*p += n;
	*left -= (size_t) n;
}

static mode_t want_mode(const struct run *r)
{
	return options_url_secret(r->config_url) || options_url_secret(r->agent_url_opt) ? 0600 : 0644;
}

static int render(struct run *r)
{
	char *p = r->opt.rendered;
	size_t left = sizeof r->opt.rendered;
	int n = snprintf(p, left,
			 "# " PATH_OPTIONS ": the options `ecs-bootstrap run` was given that change what it\n"
			 "# converges to.  `ecs-bootstrap agent` (ecs.service) and later runs use them; a run given\n"
			 "# an option again changes it (--no-block-imds, --agent-version latest, --method auto or an\n"
			 "# empty value, e.g. --agent-url=, go back to the default).  Written by ecs-bootstrap.\n");
	p += n;
	left -= (size_t) n;
	for (size_t i = 0; i < N_STRINGS; i++)
		if (*field(r, i))
			put(&p, &left, strings[i].key, *field(r, i));
	for (size_t i = 0; i < r->n_keyrings; i++) {
		char path[64];
		(void) snprintf(path, sizeof path, PATH_OPTIONS_DIR "/keyring-%zu.gpg", i + 1);
		put(&p, &left, "KEYRING", path);
	}
	if (r->block_imds)
		put(&p, &left, "BLOCK_IMDS", "1");
	if (r->no_install_docker)
		put(&p, &left, "INSTALL_DOCKER", "0");
	if (left == 0)
		return err_setx(&r->err, -E2BIG, BS_EXIT_USAGE, "the options are longer than %d bytes", OPTIONS_MAX);
	r->opt.rendered_len = (size_t) (p - r->opt.rendered);
	return 0;
}

void options_inputs(struct run *r, struct sha256_ctx *h)
{
	if (render(r) == 0)
		sha256_update(h, r->opt.rendered, r->opt.rendered_len);
}

/* The bytes of the i-th given keyring, or < 0 with r->err. */
static int read_keyring(struct run *r, size_t i, char *buf, size_t cap, size_t *len)
{
	int k = fileio_read_bounded(AT_FDCWD, r->keyrings[i], buf, cap, len, &r->err);
	if (k < 0)
		return err_class(&r->err, BS_EXIT_USAGE), err_wrap(&r->err, "--keyring");
	return 0;
}

static void copy_path(size_t i, char *out, size_t cap)
{
	(void) snprintf(out, cap, PATH_OPTIONS_DIR "/keyring-%zu.gpg", i + 1);
}

int options_check(struct run *r)
{
	static char buf[KEYRING_COPY_MAX];
	char path[64];
	size_t len;
	int k = render(r);

	if (k < 0)
		return k;
	for (size_t i = 0; i < TRUST_KEYRINGS_MAX; i++) {
		copy_path(i, path, sizeof path);
		if (i >= r->n_keyrings) {
			k = fileio_exists(r->root_fd, path);
			if (k < 0)
				return err_setx(&r->err, k, BS_EXIT_USAGE, "'%s': %s", path, strerror(-k));
			if (k > 0) {
				run_why(r, "'%s' is left from an earlier --keyring", path);
				return 0;
			}
			continue;
		}
		if (read_keyring(r, i, buf, sizeof buf, &len) < 0)
			return r->err.code;
		k = fileio_equals(r->root_fd, path, buf, len, 0644, &r->err);
		if (k < 0)
			return k;
		if (k == 0) {
			run_why(r, "'%s' does not hold the keys of '%s'", path, r->keyrings[i]);
			return 0;
		}
	}
	k = fileio_equals(r->root_fd, PATH_OPTIONS, r->opt.rendered, r->opt.rendered_len, want_mode(r), &r->err);
	if (k < 0)
		return k;
	if (k == 0) {
		run_why(r, "'%s' does not hold the options of this run", PATH_OPTIONS);
		return 0;
	}
	if (!r->done[0]) { /* after apply() its own line stands */
		size_t n = r->n_keyrings + r->block_imds + r->no_install_docker;
		for (size_t i = 0; i < N_STRINGS; i++)
			n += *field(r, i) != NULL;
		run_done(r, "%zu saved in %s", n, PATH_OPTIONS);
	}
	return 1;
}

int options_apply(struct run *r)
{
	static char buf[KEYRING_COPY_MAX];
	char path[64];
	size_t len;
	int k = fileio_mkdir_p(r->root_fd, PATH_OPTIONS_DIR, 0755, &r->err);

	if (k < 0)
		return k;
	for (size_t i = 0; i < TRUST_KEYRINGS_MAX; i++) {
		copy_path(i, path, sizeof path);
		if (i >= r->n_keyrings) {
			if (fileio_unlink(r->root_fd, path, &r->err) < 0)
				return r->err.code;
			continue;
		}
		if (read_keyring(r, i, buf, sizeof buf, &len) < 0)
			return r->err.code;
		if (fileio_equals(r->root_fd, path, buf, len, 0644, &r->err) == 1)
			continue;
		if (fileio_write_atomic(r->root_fd, path, buf, len, 0644, &r->err) < 0)
			return r->err.code;
	}
	k = render(r);
	if (k == 0)
		k = fileio_write_atomic(r->root_fd, PATH_OPTIONS, r->opt.rendered, r->opt.rendered_len, want_mode(r), &r->err);
	if (k < 0)
		return k;
	run_done(r, "wrote '%s' (mode %s)", PATH_OPTIONS, want_mode(r) == 0600 ? "0600: a URL carries credentials" : "0644");
	return 0;
}

static int show_entry(void *ctx, const struct envfile_entry *ent)
{
	bool show = *(bool *) ctx;
	bool url = ent->key_len > 4 && !memcmp(ent->key + ent->key_len - 4, "_URL", 4);
	char v[4096];

	(void) snprintf(v, sizeof v, "%.*s", (int) ent->val_len, ent->val);
	if (url && !show && options_url_secret(v))
		printf("%.*s=<masked: a URL with credentials, %zu bytes>\n", (int) ent->key_len, ent->key, ent->val_len);
	else
		printf("%.*s=%.*s\n", (int) ent->key_len, ent->key, (int) ent->val_len, ent->val);
	return 0;
}

int cmd_options(struct run *r, bool show_secrets)
{
	size_t len = 0;
	struct envfile_ops ops = { .entry = show_entry, .ctx = &show_secrets };
	int k = fileio_read_bounded(r->root_fd, PATH_OPTIONS, r->opt.saved, sizeof r->opt.saved, &len, &r->err);

	if (k == -ENOENT) {
		printf("# %s: none saved (every option at its default)\n", PATH_OPTIONS);
		return BS_EXIT_OK;
	}
	if (k == 0)
		k = envfile_parse(r->opt.saved, len, &ops, &r->err);
	if (k < 0)
		return err_class(&r->err, BS_EXIT_USAGE);
	return BS_EXIT_OK;
}
