/* sha256.c: see sha256.h.  The SHA-NI block function follows the instruction set's
 * documented use: the state is kept as ABEF/CDGH halves, sha256rnds2 does two rounds,
 * sha256msg1/msg2 extend the message schedule four words at a time.  On aarch64 the ARMv8
 * SHA-256 instructions (FEAT_SHA256, the kernel's HWCAP_SHA2) play the same part: the state
 * is kept as ABCD/EFGH, sha256h/sha256h2 do four rounds, sha256su0/su1 extend the schedule. */
#include "sha256.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_NI_CODE 1
#elif defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1UL << 6)
#endif
#define HAVE_NI_CODE 1
#else
#define HAVE_NI_CODE 0
#endif

static int forced_portable = -1; /* -1: not decided, 0: use NI when present, 1: never */

#if HAVE_NI_CODE
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#if defined(__x86_64__)
static bool cpu_has_ni(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 9)) || !(c & (1u << 19)))
		return false; /* SSSE3 and SSE4.1 */
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	return (b & (1u << 29)) != 0; /* SHA */
}

__attribute__((target("sha,ssse3,sse4.1")))
static void blocks_ni(uint32_t st[8], const unsigned char *p, size_t n)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i t = _mm_loadu_si128((const __m128i *) &st[0]);   /* A B C D (A lowest) */
	__m128i s1 = _mm_loadu_si128((const __m128i *) &st[4]);  /* E F G H */
	__m128i s0;

	t = _mm_shuffle_epi32(t, 0xB1);             /* C D A B -> B A D C order words */
	s1 = _mm_shuffle_epi32(s1, 0x1B);           /* H G F E */
	s0 = _mm_alignr_epi8(t, s1, 8);             /* ABEF */
	s1 = _mm_blend_epi16(s1, t, 0xF0);          /* CDGH */
	for (; n; n--, p += 64) {
		__m128i save0 = s0, save1 = s1, w[4];
		for (size_t i = 0; i < 4; i++)
			w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (p + 16 * i)), bswap);
		for (size_t i = 0; i < 16; i++) {
			__m128i cur, m;
			if (i < 4) {
				cur = w[i];
			} else {
				/* W[i] from W[i-4], W[i-3], W[i-2], W[i-1] (four words each) */
				cur = _mm_sha256msg1_epu32(w[i & 3], w[(i + 1) & 3]);
				cur = _mm_add_epi32(cur, _mm_alignr_epi8(w[(i + 3) & 3], w[(i + 2) & 3], 4));
				cur = _mm_sha256msg2_epu32(cur, w[(i + 3) & 3]);
				w[i & 3] = cur;
			}
			m = _mm_add_epi32(cur, _mm_loadu_si128((const __m128i *) &K[4 * i]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, m);
			m = _mm_shuffle_epi32(m, 0x0E);
			s0 = _mm_sha256rnds2_epu32(s0, s1, m);
		}
		s0 = _mm_add_epi32(s0, save0);
		s1 = _mm_add_epi32(s1, save1);
	}
	t = _mm_shuffle_epi32(s0, 0x1B);            /* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xB1);           /* DCHG */
	s0 = _mm_blend_epi16(t, s1, 0xF0);          /* DCBA */
	s1 = _mm_alignr_epi8(s1, t, 8);             /* HGFE */
	_mm_storeu_si128((__m128i *) &st[0], s0);
	_mm_storeu_si128((__m128i *) &st[4], s1);
}
#else
static bool cpu_has_ni(void)
{
	return (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0;
}

__attribute__((target("+crypto")))
static void blocks_ni(uint32_t st[8], const unsigned char *p, size_t n)
{
	uint32x4_t s0 = vld1q_u32(&st[0]), s1 = vld1q_u32(&st[4]); /* ABCD, EFGH */

	for (; n; n--, p += 64) {
		uint32x4_t save0 = s0, save1 = s1, w[4];
		for (size_t i = 0; i < 4; i++)
			w[i] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p + 16 * i)));
		for (size_t i = 0; i < 16; i++) {
			uint32x4_t wk = vaddq_u32(w[i & 3], vld1q_u32(&K[4 * i])), abcd = s0;
			if (i < 12) /* W[4i+16..4i+19] from the four words groups before them */
				w[i & 3] = vsha256su1q_u32(vsha256su0q_u32(w[i & 3], w[(i + 1) & 3]), w[(i + 2) & 3], w[(i + 3) & 3]);
			s0 = vsha256hq_u32(s0, s1, wk);
			s1 = vsha256h2q_u32(s1, abcd, wk);
		}
		s0 = vaddq_u32(s0, save0);
		s1 = vaddq_u32(s1, save1);
	}
	vst1q_u32(&st[0], s0);
	vst1q_u32(&st[4], s1);
}
#endif
#endif

bool sha256_accelerated(void)
{
#if HAVE_NI_CODE
	if (forced_portable < 0)
		forced_portable = cpu_has_ni() ? 0 : 1;
	return forced_portable == 0;
#else
	return false;
#endif
}

void sha256_force_portable(bool on)
{
#if HAVE_NI_CODE
	forced_portable = on ? 1 : (cpu_has_ni() ? 0 : 1);
#else
	(void) on;
#endif
}

void sha256_init(struct sha256_ctx *c)
{
	static const uint32_t iv[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
					0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	c->ni = sha256_accelerated();
	c->count = 0;
	memcpy(c->st, iv, sizeof iv);
	if (!c->ni)
		br_sha256_init(&c->br);
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
#if HAVE_NI_CODE
	const unsigned char *p = data;
	size_t have;

	if (!c->ni) {
		br_sha256_update(&c->br, data, len);
		return;
	}
	have = (size_t) (c->count & 63);
	c->count += len;
	if (have) {
		size_t take = 64 - have < len ? 64 - have : len;
		memcpy(c->buf + have, p, take);
		p += take;
		len -= take;
		if (have + take < 64)
			return;
		blocks_ni(c->st, c->buf, 1);
	}
	if (len >= 64) {
		blocks_ni(c->st, p, len / 64);
		p += len & ~(size_t) 63;
		len &= 63;
	}
	memcpy(c->buf, p, len);
#else
	br_sha256_update(&c->br, data, len);
#endif
}

void sha256_update_str(struct sha256_ctx *c, const char *s)
{
	sha256_update(c, s, strlen(s) + 1);
}

void sha256_out(struct sha256_ctx *c, unsigned char out[32])
{
#if HAVE_NI_CODE
	if (c->ni) {
		unsigned char pad[72] = { 0x80 };
		uint64_t bits = c->count * 8;
		size_t have = (size_t) (c->count & 63), padlen = have < 56 ? 56 - have : 120 - have;
		for (int i = 0; i < 8; i++)
			pad[padlen + (size_t) i] = (unsigned char) (bits >> (56 - 8 * i));
		sha256_update(c, pad, padlen + 8);
		for (size_t i = 0; i < 8; i++) {
			out[4 * i] = (unsigned char) (c->st[i] >> 24);
			out[4 * i + 1] = (unsigned char) (c->st[i] >> 16);
			out[4 * i + 2] = (unsigned char) (c->st[i] >> 8);
			out[4 * i + 3] = (unsigned char) c->st[i];
		}
		return;
	}
#endif
	br_sha256_out(&c->br, out);
}

void sha256_hex(struct sha256_ctx *c, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[32];

	sha256_out(c, d);
	for (size_t i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}
