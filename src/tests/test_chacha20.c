/* test_chacha20.c: chacha20.c against RFC 8439's test vectors (2.4.2 the cipher, 2.8.2 the
 * AEAD) and against BearSSL's br_chacha20_ct_run and its ChaCha20-Poly1305 (ctmul, ctmulq) on
 * random keys, nonces, counters (near the 32-bit wrap too), AAD and lengths. */
#include <bearssl_block.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/chacha20.h"
#include "tap.h"

/* chacha20.c against br_chacha20_ct_run on random keys, nonces, counters (near the 32-bit
 * wrap one time in four) and lengths; the number of cases that differ */
static int random_cases(int n)
{
	static unsigned char a[70000], b[70000];
	unsigned char key[32], iv[12];
	int bad = 0;

	for (int i = 0; i < n; i++) {
		uint32_t cc, c1, c2;
		size_t len = i < 600 ? (size_t) i : (size_t) rand() % sizeof a;
		if (getrandom(key, sizeof key, 0) != sizeof key || getrandom(iv, sizeof iv, 0) != sizeof iv ||
		    getrandom(&cc, sizeof cc, 0) != sizeof cc || getrandom(a, len, 0) != (ssize_t) len)
			return -1;
		if (i % 4 == 1)
			cc = UINT32_MAX - (uint32_t) (rand() % 16); /* the counter wraps inside the data */
		memcpy(b, a, len);
		c1 = bs_chacha20_run(key, iv, cc, a, len);
		c2 = br_chacha20_ct_run(key, iv, cc, b, len);
		if (c1 != c2 || memcmp(a, b, len)) {
			bad++;
			printf("# length %zu counter %u: next %u vs %u\n", len, cc, c1, c2);
		}
	}
	return bad;
}

/* bs_poly1305_run against BearSSL's two ChaCha20-Poly1305 (ctmulq, ctmul) on random keys,
 * nonces, AAD and lengths, sealing and opening; the number of cases that differ */
static int aead_cases(int n)
{
	static unsigned char a[70000], b[70000], c[70000];
	unsigned char key[32], iv[12], aad[40], ta[16], tb[16], tc[16];
	br_poly1305_run q = br_poly1305_ctmulq_get();
	int bad = 0;

	for (int i = 0; i < n; i++) {
		size_t len = i < 300 ? (size_t) i : (size_t) rand() % sizeof a, alen = (size_t) rand() % sizeof aad;
		int enc = i % 2;
		if (getrandom(key, sizeof key, 0) != sizeof key || getrandom(iv, sizeof iv, 0) != sizeof iv ||
		    getrandom(aad, sizeof aad, 0) != sizeof aad || getrandom(a, len, 0) != (ssize_t) len)
			return -1;
		if (i % 7 == 3) /* the largest values of every limb */
			memset(a, 0xff, len), memset(aad, 0xff, sizeof aad);
		memcpy(b, a, len), memcpy(c, a, len);
		bs_poly1305_run(key, iv, a, len, aad, alen, ta, bs_chacha20_run, enc);
		br_poly1305_ctmul_run(key, iv, b, len, aad, alen, tb, br_chacha20_ct_run, enc);
		if (q)
			q(key, iv, c, len, aad, alen, tc, br_chacha20_ct_run, enc);
		if (memcmp(ta, tb, 16) || memcmp(a, b, len) || (q && (memcmp(ta, tc, 16) || memcmp(a, c, len)))) {
			bad++;
			printf("# length %zu aad %zu %s: differs\n", len, alen, enc ? "seal" : "open");
		}
	}
	return bad;
}

int main(void)
{
	/* RFC 8439 2.4.2: key 00..1f, nonce 00 00 00 00 00 00 00 4a 00 00 00 00, counter 1 */
	static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
					"for the future, sunscreen would be it.";
	static const unsigned char want_head[16] = { 0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80,
						     0x41, 0xba, 0x07, 0x28, 0xdd, 0x0d, 0x69, 0x81 };
	static const unsigned char want_tail[8] = { 0x8e, 0xed, 0xf2, 0x78, 0x5e, 0x42, 0x87, 0x4d };
	unsigned char key[32], iv[12] = { 0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0 };
	static unsigned char a[300], b[300], buf[300];
	size_t n = sizeof sunscreen - 1;

	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char) i;
	memcpy(buf, sunscreen, n);
	EQ_INT(bs_chacha20_run(key, iv, 1, buf, n), 3, "RFC 8439 2.4.2: 114 bytes from counter 1 end at counter 3");
	OK(!memcmp(buf, want_head, 16) && !memcmp(buf + n - 8, want_tail, 8), "RFC 8439 2.4.2: the ciphertext");
	/* 300 bytes: one group of four blocks, then the rest */
	memset(a, 0, 300), memset(b, 0, 300);
	EQ_INT(bs_chacha20_run(key, iv, 1, a, 300), br_chacha20_ct_run(key, iv, 1, b, 300), "300 bytes: the same next counter");
	OK(!memcmp(a, b, 300), "300 bytes: the same keystream as BearSSL's");

	{
		/* RFC 8439 2.8.2: the AEAD's example (key 80..9f, the same plaintext) */
		static const unsigned char iv2[12] = { 0x07, 0, 0, 0, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47 };
		static const unsigned char aad[12] = { 0x50, 0x51, 0x52, 0x53, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7 };
		static const unsigned char want_tag[16] = { 0x1a, 0xe1, 0x0b, 0x59, 0x4f, 0x09, 0xe2, 0x6a,
							    0x7e, 0x90, 0x2e, 0xcb, 0xd0, 0x60, 0x06, 0x91 };
		static const unsigned char want_ct[8] = { 0xd3, 0x1a, 0x8d, 0x34, 0x64, 0x8e, 0x60, 0xdb };
		unsigned char k2[32], tag[16];
		for (int i = 0; i < 32; i++)
			k2[i] = (unsigned char) (0x80 + i);
		memcpy(buf, sunscreen, n);
		bs_poly1305_run(k2, iv2, buf, n, aad, sizeof aad, tag, bs_chacha20_run, 1);
		OK(!memcmp(buf, want_ct, 8) && !memcmp(tag, want_tag, 16), "RFC 8439 2.8.2: the AEAD's ciphertext and tag");
		bs_poly1305_run(k2, iv2, buf, n, aad, sizeof aad, tag, bs_chacha20_run, 0);
		OK(!memcmp(buf, sunscreen, n) && !memcmp(tag, want_tag, 16), "RFC 8439 2.8.2: opened, the same tag");
	}
#if defined(__x86_64__)
	{
		/* RFC 8439 A.3 #5-#9: partial reduction's edges (h at or just under 2^130 - 5, s's carry) */
		static const struct {
			unsigned char r0, sfill, len, tag0, tagfill;
			unsigned char m[48];
		} v[] = {
			{ 2, 0, 16, 3, 0, { [0 ... 15] = 0xff } },
			{ 2, 0xff, 16, 3, 0, { 2 } },
			{ 1, 0, 48, 5, 0, { [0 ... 15] = 0xff, 0xf0, [17 ... 31] = 0xff, 0x11 } },
			{ 1, 0, 48, 0, 0, { [0 ... 15] = 0xff, 0xfb, [17 ... 31] = 0xfe, [32 ... 47] = 1 } },
			{ 2, 0, 16, 0xfa, 0xff, { 0xfd, [1 ... 15] = 0xff } },
		};
		int good = 0;
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			unsigned char k[32] = { v[i].r0 }, tag[16], want[16];
			memset(k + 16, v[i].sfill, 16);
			memset(want, v[i].tagfill, 16), want[0] = v[i].tag0;
			bs_poly1305_blocks_mac(k, v[i].m, v[i].len, tag);
			good += !memcmp(tag, want, 16);
		}
		EQ_INT(good, 5, "RFC 8439 A.3 #5-#9: Poly1305's reduction edges");
	}
#endif
	OK(random_cases(3000) == 0, "%s: the same as BearSSL's br_chacha20_ct_run on 3000 random cases",
	   bs_chacha20_avx2() ? "eight blocks at a time (AVX2)" : "the CPU's choice (no AVX2 here)");
	OK(aead_cases(2000) == 0, "%s: ChaCha20-Poly1305 the same as BearSSL's ctmul and ctmulq on 2000 random records",
	   bs_chacha20_avx2() ? "Poly1305 four blocks at a time (AVX2)" : "BearSSL's Poly1305 (no AVX2 here)");
	bs_chacha20_force_sse2(true);
	OK(!bs_chacha20_avx2() && random_cases(3000) == 0, "four blocks at a time: the same on 3000 random cases");
	OK(aead_cases(500) == 0, "without AVX2: ChaCha20-Poly1305 the same on 500 random records");
	bs_chacha20_force_sse2(false);
	return tap_done();
}
