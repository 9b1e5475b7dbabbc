/* cmd_config.c: `config show`: the environment docker run --env-file would pass. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_config.h"
#include "lib/ecsconfig.h"
#include "lib/envfile.h"
#include "lib/fileio.h"

struct show {
	bool secrets;
};

static const char *lookup(void *ctx, const char *key)
{
	(void) ctx;
	return getenv(key); /* docker's CLI looks pass-through keys up in its own environment */
}

static int print_entry(void *ctx, const struct envfile_entry *ent)
{
	const struct show *s = ctx;
	char masked[64];

	if (!s->secrets && (ecsconfig_is_secret(ent->key, ent->key_len) || ecsconfig_value_secret(ent->val, ent->val_len))) {
		ecsconfig_mask(ent->val_len, masked, sizeof masked);
		printf("%.*s=%s\n", (int) ent->key_len, ent->key, masked);
	} else {
		printf("%.*s=%.*s\n", (int) ent->key_len, ent->key, (int) ent->val_len, ent->val);
	}
	return 0;
}

int cmd_config_show(struct run *r, const char *file, bool show_secrets)
{
	struct show s = { .secrets = show_secrets };
	struct envfile_ops ops = { .entry = print_entry, .lookup = lookup, .ctx = &s };
	const char *path = file ? file : PATH_ECS_CONFIG;
	size_t n;
	int k;

	/* --file is a path of the caller, not of the --root tree. */
	k = fileio_read_bounded(file ? AT_FDCWD : r->root_fd, path, r->cfg_old, sizeof r->cfg_old, &n, &r->err);
	if (k < 0)
		return k;
	k = envfile_parse(r->cfg_old, n, &ops, &r->err);
	if (k < 0)
		return err_class(&r->err, BS_EXIT_USAGE), err_wrap(&r->err, "'%s'", path);
	return BS_EXIT_OK;
}
