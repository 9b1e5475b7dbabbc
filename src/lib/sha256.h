/* sha256.h: streaming SHA-256 (BearSSL's br_sha256_*) and hex helpers. */
#ifndef BS_SHA256_H
#define BS_SHA256_H

#include <bearssl_hash.h>
#include <stddef.h>

struct sha256_ctx {
	br_sha256_context br;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* Feed a NUL-terminated string plus its terminator (so "ab","c" != "a","bc"). */
void sha256_update_str(struct sha256_ctx *c, const char *s);
/* Finish into 65 bytes of lowercase hex (NUL-terminated). */
void sha256_hex(struct sha256_ctx *c, char out[65]);

#endif
