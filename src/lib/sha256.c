/* sha256.c: see sha256.h. */
#include "sha256.h"

#include <string.h>

void sha256_init(struct sha256_ctx *c)
{
	br_sha256_init(&c->br);
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	br_sha256_update(&c->br, data, len);
}

void sha256_update_str(struct sha256_ctx *c, const char *s)
{
	br_sha256_update(&c->br, s, strlen(s) + 1);
}

void sha256_hex(struct sha256_ctx *c, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[32];

	br_sha256_out(&c->br, d);
	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}
