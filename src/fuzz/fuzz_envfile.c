/* fuzz_envfile.c: the env-file parser on arbitrary bytes.  Invariants: it never reads
 * out of bounds, every entry lies inside the input, keys are non-empty and free of blanks
 * and NUL, values from the input free of NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/envfile.h"

static const uint8_t *base;
static size_t base_len;

static int entry(void *ctx, const struct envfile_entry *e)
{
	(void) ctx;
	if (e->key_len == 0 || memchr(e->key, ' ', e->key_len) || memchr(e->key, '\t', e->key_len) ||
	    memchr(e->key, '\0', e->key_len))
		abort();
	if (e->has_eq && ((const uint8_t *) e->val < base || (const uint8_t *) e->val + e->val_len > base + base_len ||
			  memchr(e->val, '\0', e->val_len)))
		abort();
	return 0;
}

static const char *lookup(void *ctx, const char *key)
{
	(void) ctx;
	return key[0] == 'A' ? "looked-up" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct envfile_ops ops = { .entry = entry, .lookup = lookup };
	struct bs_err e;
	base = data;
	base_len = size;
	(void) envfile_parse((const char *) data, size, &ops, &e);
	return 0;
}
