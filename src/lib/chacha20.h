/* chacha20.h: TLS's ChaCha20-Poly1305, faster than BearSSL's (bench-aead.c measures both).
 * ChaCha20 (RFC 8439) several blocks at a time: eight on 256-bit vectors where the CPU has
 * AVX2 (2.0 GB/s here), else four on 128-bit vectors (SSE2 on x86-64, NEON on aarch64; 1.0
 * GB/s); BearSSL's br_chacha20_sse2_run does one block at a time (0.5 GB/s).  Poly1305 four
 * blocks at a time on AVX2.  Checked against RFC 8439's vectors and BearSSL's own by
 * src/tests/test_chacha20.c. */
#ifndef BS_CHACHA20_H
#define BS_CHACHA20_H

#include <bearssl_block.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A br_chacha20_run: the same arguments and result (the next block counter); what is left
 * after the whole groups of blocks goes through br_chacha20_ct_run. */
uint32_t bs_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len);
/* Whether the AVX2 code (ChaCha20's and Poly1305's) is in use; bs_chacha20_force_sse2(true)
 * turns it off (tests, benchmarks), false gives the CPU's choice back. */
bool bs_chacha20_avx2(void);
void bs_chacha20_force_sse2(bool on);
/* A br_poly1305_run: ChaCha20-Poly1305's record operation (RFC 8439 2.8: the one-time key
 * from block 0, the cipher from block 1, the MAC over the zero-padded AAD and ciphertext and
 * the lengths), the MAC four blocks at a time on AVX2 when bs_chacha20_avx2(); without AVX2,
 * BearSSL's (ctmulq where it has 64-bit products, else ctmul). */
void bs_poly1305_run(const void *key, const void *iv, void *data, size_t len, const void *aad, size_t aad_len,
		     void *tag, br_chacha20_run ichacha, int encrypt);
#if defined(__x86_64__)
/* Poly1305 of MSG under the one-time KEY (r, s), LEN a multiple of 16 (every block with its
 * 2^128 bit): the MAC alone, for RFC 8439 A.3's vectors in the tests */
void bs_poly1305_blocks_mac(const unsigned char key[32], const void *msg, size_t len, unsigned char tag[16]);
#endif

#endif
