/* sha256.h: streaming SHA-256.  On x86-64 processors with the SHA extensions (cpuid
 * leaf 7, EBX bit 29; most EC2 instance types) blocks go through the SHA-NI
 * instructions, about 5x faster than portable code; on aarch64 processors with the ARMv8
 * SHA-256 instructions (HWCAP_SHA2: every Graviton) through those; elsewhere through
 * BearSSL's br_sha256_*.  Both paths are checked against each other by
 * src/tests/test_sha256.c. */
#ifndef BS_SHA256_H
#define BS_SHA256_H

#include <bearssl_hash.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sha256_ctx {
	br_sha256_context br;  /* the portable path */
	uint32_t st[8];        /* the instructions' path: state, partial block, byte count */
	unsigned char buf[64];
	uint64_t count;
	bool ni;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* Feed a NUL-terminated string plus its terminator (so "ab","c" != "a","bc"). */
void sha256_update_str(struct sha256_ctx *c, const char *s);
/* Finish into 32 bytes. */
void sha256_out(struct sha256_ctx *c, unsigned char out[32]);
/* Finish into 65 bytes of lowercase hex (NUL-terminated). */
void sha256_hex(struct sha256_ctx *c, char out[65]);

/* Whether the SHA-NI path is in use; sha256_force_portable() turns it off (tests, benchmarks). */
bool sha256_accelerated(void);
void sha256_force_portable(bool on);

#endif
