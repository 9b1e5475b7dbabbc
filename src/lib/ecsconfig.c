/* ecsconfig.c: see ecsconfig.h. */
#include "ecsconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "envfile.h"

#define MAX_KEYS 1024 /* assignments tracked in an existing file */

struct span {
	const char *p;
	size_t n;
};

struct render {
	const struct ecsconfig_input *in;
	char *out;
	size_t cap, len;
	struct span seen[MAX_KEYS]; /* keys present in the old file */
	size_t n_seen;
	struct bs_err *e;
};

static int emit(struct render *rd, const char *s, size_t n)
{
	if (n > rd->cap - rd->len)
		return err_set(rd->e, -E2BIG, "ecs.config would be larger than %zu bytes", rd->cap);
	memcpy(rd->out + rd->len, s, n);
	rd->len += n;
	return 0;
}

static int emit_kv(struct render *rd, const char *k, size_t kn, const char *v)
{
	int r = emit(rd, k, kn);
	if (r == 0)
		r = emit(rd, "=", 1);
	if (r == 0)
		r = emit(rd, v, strlen(v));
	if (r == 0)
		r = emit(rd, "\n", 1);
	return r;
}

static bool key_eq(const char *a, size_t an, const char *b)
{
	return strlen(b) == an && memcmp(a, b, an) == 0;
}

/* The winning override for key, or NULL. */
static const char *override_for(const struct ecsconfig_input *in, const char *k, size_t kn)
{
	const char *v = NULL;
	for (size_t i = 0; i < in->n_overrides; i++)
		if (key_eq(k, kn, in->overrides[i].key))
			v = in->overrides[i].val;
	return v;
}

static bool seen(const struct render *rd, const char *k)
{
	for (size_t i = 0; i < rd->n_seen; i++)
		if (key_eq(rd->seen[i].p, rd->seen[i].n, k))
			return true;
	return false;
}

static int on_line(void *ctx, const char *raw, size_t raw_len, const struct envfile_entry *ent)
{
	struct render *rd = ctx;
	const char *v;
	int r;

	if (ent) {
		if (rd->n_seen == MAX_KEYS)
			return err_set(rd->e, -E2BIG, "line %u: more than %d assignments", ent->line, MAX_KEYS);
		rd->seen[rd->n_seen].p = ent->key;
		rd->seen[rd->n_seen++].n = ent->key_len;
		v = override_for(rd->in, ent->key, ent->key_len);
		if (v)
			return emit_kv(rd, ent->key, ent->key_len, v);
	}
	r = emit(rd, raw, raw_len);
	return r ? r : emit(rd, "\n", 1);
}

int ecsconfig_render(const struct ecsconfig_input *in, char *out, size_t cap, size_t *ret_len,
		     struct bs_err *e)
{
	static struct render rd; /* ~16 KiB of spans: static, not on the stack (single-threaded) */
	struct envfile_ops ops = { .line = on_line, .ctx = &rd };
	int r;

	memset(&rd, 0, sizeof rd);
	rd.in = in;
	rd.out = out;
	rd.cap = cap;
	rd.e = e;
	if (in->old && in->old_len) {
		r = envfile_parse(in->old, in->old_len, &ops, e);
		if (r < 0)
			return r;
	} else {
		r = emit(&rd, ECSCONFIG_HEADER, strlen(ECSCONFIG_HEADER));
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < in->n_defaults; i++) {
		const char *k = in->defaults[i].key, *v = override_for(in, k, strlen(k));
		if (seen(&rd, k))
			continue;
		r = emit_kv(&rd, k, strlen(k), v ? v : in->defaults[i].val);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < in->n_overrides; i++) {
		const char *k = in->overrides[i].key;
		bool dup = seen(&rd, k);
		for (size_t j = 0; !dup && j < in->n_defaults; j++)
			dup = strcmp(in->defaults[j].key, k) == 0;
		for (size_t j = 0; !dup && j < i; j++) /* appended once, at its first position */
			dup = strcmp(in->overrides[j].key, k) == 0;
		if (dup)
			continue;
		r = emit_kv(&rd, k, strlen(k), override_for(in, k, strlen(k)));
		if (r < 0)
			return r;
	}
	*ret_len = rd.len;
	return 0;
}

int ecsconfig_check_key(const char *key, size_t len, struct bs_err *e)
{
	if (len == 0 || len > 255)
		return err_set(e, -EINVAL, "key '%.*s': must be 1 to 255 characters", (int) (len > 64 ? 64 : len), key);
	if ((key[0] >= '0' && key[0] <= '9') || key[0] == '.' || key[0] == '-')
		return err_set(e, -EINVAL, "key '%.*s': must not start with a digit, '.' or '-'", (int) len, key);
	for (size_t i = 0; i < len; i++) {
		char c = key[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
		      c == '.' || c == '-'))
			return err_set(e, -EINVAL, "key '%.*s': character %u is not one of A-Z a-z 0-9 _ . -",
				       (int) len, key, (unsigned) i + 1);
	}
	return 0;
}

int ecsconfig_check_value(const char *key, const char *val, size_t len, struct bs_err *e)
{
	if (len > 65000)
		return err_set(e, -E2BIG, "value of %s: %zu bytes, the limit is 65000", key, len);
	for (size_t i = 0; i < len; i++)
		if (val[i] == '\n' || val[i] == '\r' || val[i] == '\0')
			return err_set(e, -EINVAL, "value of %s: contains a line break or NUL at byte %zu (ecs.config holds one KEY=VALUE per line)",
				       key, i + 1);
	if (!envfile_utf8_valid(val, len))
		return err_set(e, -EILSEQ, "value of %s: not valid UTF-8", key);
	return 0;
}

static bool contains_ci(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++)
		if (strncasecmp(s + i, needle, m) == 0)
			return true;
	return false;
}

bool ecsconfig_is_secret(const char *key, size_t len)
{
	return key_eq(key, len, "ECS_ENGINE_AUTH_DATA") || key_eq(key, len, "AWS_SECRET_ACCESS_KEY") ||
	       key_eq(key, len, "AWS_SESSION_TOKEN") || contains_ci(key, len, "SECRET") ||
	       contains_ci(key, len, "PASSWORD") || contains_ci(key, len, "TOKEN") ||
	       contains_ci(key, len, "CREDENTIAL");
}

bool ecsconfig_value_secret(const char *val, size_t len)
{
	/* scheme "://" authority, where the authority (up to '/', '?' or '#') holds an '@' */
	for (size_t i = 0; i + 3 <= len; i++) {
		if (memcmp(val + i, "://", 3) != 0)
			continue;
		for (size_t j = i + 3; j < len && val[j] != '/' && val[j] != '?' && val[j] != '#'; j++)
			if (val[j] == '@')
				return true;
		return false;
	}
	return false;
}

struct getter {
	const char *key;
	const char *val;
	size_t val_len;
	int found, secret;
};

static int get_cb(void *ctx, const struct envfile_entry *ent)
{
	struct getter *g = ctx;
	if (!ent->has_eq)
		return 0;
	if (g->key && key_eq(ent->key, ent->key_len, g->key)) {
		g->val = ent->val;
		g->val_len = ent->val_len;
		g->found = 1;
	}
	if (ecsconfig_is_secret(ent->key, ent->key_len) || ecsconfig_value_secret(ent->val, ent->val_len))
		g->secret = 1;
	return 0;
}

int ecsconfig_get(const char *cfg, size_t len, const char *key, const char **ret_val, size_t *ret_len)
{
	struct getter g = { .key = key };
	struct envfile_ops ops = { .entry = get_cb, .ctx = &g };
	struct bs_err e;
	int r = envfile_parse(cfg, len, &ops, &e);
	if (r < 0)
		return r;
	if (g.found) {
		*ret_val = g.val;
		*ret_len = g.val_len;
	}
	return g.found;
}

int ecsconfig_has_secret(const char *cfg, size_t len)
{
	struct getter g = { .key = NULL };
	struct envfile_ops ops = { .entry = get_cb, .ctx = &g };
	struct bs_err e;
	int r = envfile_parse(cfg, len, &ops, &e);
	return r < 0 ? r : g.secret;
}

void ecsconfig_mask(size_t val_len, char *buf, size_t cap)
{
	(void) snprintf(buf, cap, "<masked, %zu bytes>", val_len);
}

struct remover {
	const char *key;
	char *out;
	size_t len;
};

static int remove_line(void *ctx, const char *raw, size_t raw_len, const struct envfile_entry *ent)
{
	struct remover *rm = ctx;
	if (ent && key_eq(ent->key, ent->key_len, rm->key))
		return 0;
	memmove(rm->out + rm->len, raw, raw_len); /* never ahead of the reader: lines only shrink */
	rm->len += raw_len;
	rm->out[rm->len++] = '\n';
	return 0;
}

int ecsconfig_remove_key(char *cfg, size_t *len, const char *key)
{
	struct remover rm = { key, cfg, 0 };
	struct envfile_ops ops = { .line = remove_line, .ctx = &rm };
	struct bs_err e;
	int k = envfile_parse(cfg, *len, &ops, &e);
	if (k < 0)
		return k;
	*len = rm.len;
	return 0;
}

bool ecsconfig_bool(const char *cfg, size_t len, const char *key)
{
	const char *v;
	size_t n;

	if (ecsconfig_get(cfg, len, key, &v, &n) <= 0)
		return false;
	return (n == 1 && (v[0] == '1' || v[0] == 't' || v[0] == 'T')) ||
	       (n == 4 && (!strncmp(v, "true", 4) || !strncmp(v, "TRUE", 4) || !strncmp(v, "True", 4)));
}
