/* chacha20.h: ChaCha20 (RFC 8439) four blocks at a time on 128-bit vectors (GCC's vector
 * extensions: SSE2 on x86-64, NEON on aarch64), for TLS's ChaCha20-Poly1305.  BearSSL's own
 * (br_chacha20_sse2_run) does one block at a time: 486 MiB/s here, against 2 GB/s for OpenSSL;
 * this one runs 4 blocks' rounds in parallel.  A br_chacha20_run: the same arguments and result
 * (the next block counter); the last partial group of blocks goes through br_chacha20_ct_run.
 * Checked against it and RFC 8439's vectors by src/tests/test_chacha20.c. */
#ifndef BS_CHACHA20_H
#define BS_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

uint32_t bs_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len);

#endif
