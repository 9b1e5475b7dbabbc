/* bench-aead.c: the record layer's ciphers as ecs-bootstrap links them, on one core, 16 KiB
 * records (a TLS record's size): our ChaCha20 (src/lib/chacha20.c, eight blocks with AVX2 and
 * four without) and BearSSL's; ChaCha20-Poly1305 records three ways: BearSSL's own, BearSSL's
 * Poly1305 (ctmulq) with our ChaCha20, and ours (bs_poly1305_run, AVX2's four-block Poly1305
 * where the CPU has it: what the binary runs); and AES-128-GCM (AES-NI CTR + PCLMUL GHASH).  Built and run by bench-fetch-nginx.sh; prints "name MiB/s" lines (CPU time). */
#include <bearssl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/chacha20.h"

static unsigned char buf[16384];
static const unsigned char key[32] = { 1, 2, 3 }, iv[12] = { 4, 5, 6 };

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* runs F over BUF until a second of CPU time has passed; MiB/s */
#define MEASURE(name, stmt)                                                                   \
	do {                                                                                  \
		double t0 = cpu_now(), t;                                                     \
		long n = 0;                                                                   \
		do {                                                                          \
			for (int i_ = 0; i_ < 64; i_++)                                        \
				stmt;                                                          \
			n += 64;                                                              \
		} while ((t = cpu_now() - t0) < 1.0);                                          \
		printf("%-48s %6.0f MiB/s\n", name, (double) n * sizeof buf / 1048576.0 / t); \
	} while (0)

static uint32_t chacha_bearssl_sse2(const void *k, const void *v, uint32_t cc, void *d, size_t len)
{
	br_chacha20_run f = br_chacha20_sse2_get();
	return f ? f(k, v, cc, d, len) : br_chacha20_ct_run(k, v, cc, d, len);
}

int main(void)
{
	unsigned char tag[16], aad[13] = { 0 };
	br_poly1305_run poly = br_poly1305_ctmulq_get();
	const br_block_ctr_class *aes = br_aes_x86ni_ctr_get_vtable();
	br_aes_x86ni_ctr_keys ak;
	br_gcm_context gc;

	if (!poly)
		poly = br_poly1305_ctmul_run;
	MEASURE("BearSSL ChaCha20 (sse2, one block)", chacha_bearssl_sse2(key, iv, 1, buf, sizeof buf));
	bs_chacha20_force_sse2(true);
	MEASURE("ours ChaCha20 (four blocks)", bs_chacha20_run(key, iv, 1, buf, sizeof buf));
	bs_chacha20_force_sse2(false);
	if (bs_chacha20_avx2())
		MEASURE("ours ChaCha20 (eight blocks, AVX2)", bs_chacha20_run(key, iv, 1, buf, sizeof buf));
	MEASURE("BearSSL ChaCha20-Poly1305 (sse2 + ctmulq)", poly(key, iv, buf, sizeof buf, aad, sizeof aad, tag, chacha_bearssl_sse2, 0));
	MEASURE("BearSSL Poly1305 (ctmulq) + ours ChaCha20", poly(key, iv, buf, sizeof buf, aad, sizeof aad, tag, bs_chacha20_run, 0));
	MEASURE("ours ChaCha20-Poly1305 (as the binary runs it)", bs_poly1305_run(key, iv, buf, sizeof buf, aad, sizeof aad, tag, bs_chacha20_run, 0));
	if (aes) {
		aes->init(&ak.vtable, key, 16);
		br_gcm_init(&gc, &ak.vtable, br_ghash_pclmul_get() ? br_ghash_pclmul_get() : br_ghash_ctmul64);
		MEASURE("BearSSL AES-128-GCM (x86ni + pclmul)", (br_gcm_reset(&gc, iv, 12), br_gcm_flip(&gc), br_gcm_run(&gc, 0, buf, sizeof buf)));
	}
	return 0;
}
