/* chacha20.c: see chacha20.h. */
#include "chacha20.h"

#include <bearssl_block.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

/* BearSSL's ChaCha20-Poly1305 record operation: ctmulq where it has 64-bit products, else ctmul */
static void bearssl_chapol(const void *key, const void *iv, void *data, size_t len, const void *aad, size_t aad_len,
			   void *tag, br_chacha20_run ichacha, int encrypt)
{
	br_poly1305_run f = br_poly1305_ctmulq_get();
	(f ? f : br_poly1305_ctmul_run)(key, iv, data, len, aad, aad_len, tag, ichacha, encrypt);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint32_t v4 __attribute__((vector_size(16)));

#define ROTL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define QR(a, b, c, d)                                  \
	do {                                                \
		x[a] += x[b], x[d] ^= x[a], x[d] = ROTL(x[d], 16); \
		x[c] += x[d], x[b] ^= x[c], x[b] = ROTL(x[b], 12); \
		x[a] += x[b], x[d] ^= x[a], x[d] = ROTL(x[d], 8);  \
		x[c] += x[d], x[b] ^= x[c], x[b] = ROTL(x[b], 7);  \
	} while (0)

/* ChaCha20's ten double rounds, with Q the quarter round on x[] */
#define ROUNDS(Q)                          \
	for (int r_ = 0; r_ < 10; r_++) {  \
		Q(0, 4, 8, 12);            \
		Q(1, 5, 9, 13);            \
		Q(2, 6, 10, 14);           \
		Q(3, 7, 11, 15);           \
		Q(0, 5, 10, 15);           \
		Q(1, 6, 11, 12);           \
		Q(2, 7, 8, 13);            \
		Q(3, 4, 9, 14);            \
	}

/* The keystream of four blocks (counters cc..cc+3) into X: word i of block j in x[i][j]. */
static void block4(const uint32_t st[16], uint32_t cc, v4 x[16])
{
	v4 in[16];

	for (int i = 0; i < 16; i++)
		in[i] = (v4) { st[i], st[i], st[i], st[i] };
	in[12] = (v4) { cc, cc + 1, cc + 2, cc + 3 };
	memcpy(x, in, sizeof in);
	ROUNDS(QR);
	for (int i = 0; i < 16; i++)
		x[i] += in[i];
}

#if !defined(__x86_64__)
/* Four blocks (counters cc..cc+3) of keystream XORed into P (256 bytes). */
static void four(const uint32_t st[16], uint32_t cc, unsigned char *p)
{
	v4 x[16];
	uint32_t ks[16][4];

	block4(st, cc, x);
	memcpy(ks, x, sizeof ks);
	for (size_t j = 0; j < 4; j++)
		for (size_t i = 0; i < 16; i++) {
			uint32_t w;
			memcpy(&w, p + 64 * j + 4 * i, 4);
			w ^= ks[i][j];
			memcpy(p + 64 * j + 4 * i, &w, 4);
		}
}
#endif

#if defined(__x86_64__)
/* The keystream's words come out of the rounds one vector per word, one lane per block: a
 * 4x4 transpose (within each 128-bit half on AVX2) turns four of those vectors into four
 * blocks' worth of 16 bytes each.  SSE2 is part of x86-64; AVX2 is asked of the CPU. */
#define T4(a, b, c, d, U32L, U32H, U64L, U64H)                 \
	do {                                                     \
		__typeof__(a) t0_ = U32L(a, b), t1_ = U32L(c, d); \
		__typeof__(a) t2_ = U32H(a, b), t3_ = U32H(c, d); \
		(a) = U64L(t0_, t1_), (b) = U64H(t0_, t1_);       \
		(c) = U64L(t2_, t3_), (d) = U64H(t2_, t3_);       \
	} while (0)

static void four_sse2(const uint32_t st[16], uint32_t cc, unsigned char *p)
{
	v4 x[16];

	block4(st, cc, x);
	for (size_t k = 0; k < 4; k++) {
		__m128i a = (__m128i) x[4 * k], b = (__m128i) x[4 * k + 1], c = (__m128i) x[4 * k + 2], d = (__m128i) x[4 * k + 3];
		__m128i *q;
		T4(a, b, c, d, _mm_unpacklo_epi32, _mm_unpackhi_epi32, _mm_unpacklo_epi64, _mm_unpackhi_epi64);
		/* a, b, c, d: words 4k..4k+3 of blocks 0, 1, 2, 3 */
		q = (__m128i *) (void *) (p + 16 * k);
		_mm_storeu_si128(q, _mm_xor_si128(_mm_loadu_si128(q), a));
		q = (__m128i *) (void *) (p + 64 + 16 * k);
		_mm_storeu_si128(q, _mm_xor_si128(_mm_loadu_si128(q), b));
		q = (__m128i *) (void *) (p + 128 + 16 * k);
		_mm_storeu_si128(q, _mm_xor_si128(_mm_loadu_si128(q), c));
		q = (__m128i *) (void *) (p + 192 + 16 * k);
		_mm_storeu_si128(q, _mm_xor_si128(_mm_loadu_si128(q), d));
	}
}

/* Eight blocks (counters cc..cc+7) XORed into P (512 bytes), on 256-bit vectors.  The
 * rotations by 16 and 8 are byte shuffles (one instruction instead of three). */
__attribute__((target("avx2")))
static void eight_avx2(const uint32_t st[16], uint32_t cc, unsigned char *p)
{
	const __m256i r16 = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
					     2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
	const __m256i r8 = _mm256_setr_epi8(3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,
					    3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
	__m256i x[16], in[16];

	for (int i = 0; i < 16; i++)
		in[i] = _mm256_set1_epi32((int) st[i]);
	in[12] = _mm256_add_epi32(_mm256_set1_epi32((int) cc), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
	memcpy(x, in, sizeof x);
#define Q8(a, b, c, d)                                                                                       \
	do {                                                                                                   \
		x[a] = _mm256_add_epi32(x[a], x[b]), x[d] = _mm256_shuffle_epi8(_mm256_xor_si256(x[d], x[a]), r16); \
		x[c] = _mm256_add_epi32(x[c], x[d]), x[b] = _mm256_xor_si256(x[b], x[c]);                        \
		x[b] = _mm256_or_si256(_mm256_slli_epi32(x[b], 12), _mm256_srli_epi32(x[b], 20));               \
		x[a] = _mm256_add_epi32(x[a], x[b]), x[d] = _mm256_shuffle_epi8(_mm256_xor_si256(x[d], x[a]), r8); \
		x[c] = _mm256_add_epi32(x[c], x[d]), x[b] = _mm256_xor_si256(x[b], x[c]);                        \
		x[b] = _mm256_or_si256(_mm256_slli_epi32(x[b], 7), _mm256_srli_epi32(x[b], 25));                \
	} while (0)
	ROUNDS(Q8);
#undef Q8
	for (int i = 0; i < 16; i++)
		x[i] = _mm256_add_epi32(x[i], in[i]);
	for (size_t k = 0; k < 4; k++)
		T4(x[4 * k], x[4 * k + 1], x[4 * k + 2], x[4 * k + 3], _mm256_unpacklo_epi32, _mm256_unpackhi_epi32,
		   _mm256_unpacklo_epi64, _mm256_unpackhi_epi64);
	/* x[4k + j]: words 4k..4k+3 of block j (low half) and of block j + 4 (high half) */
	for (size_t j = 0; j < 4; j++)
		for (size_t h = 0; h < 2; h++) {
			/* words 8h..8h+7 of blocks j and j + 4 */
			__m256i lo = x[8 * h + j], hi = x[8 * h + 4 + j];
			__m256i *q0 = (__m256i *) (void *) (p + 64 * j + 32 * h);
			__m256i *q1 = (__m256i *) (void *) (p + 64 * (j + 4) + 32 * h);
			_mm256_storeu_si256(q0, _mm256_xor_si256(_mm256_loadu_si256(q0), _mm256_permute2x128_si256(lo, hi, 0x20)));
			_mm256_storeu_si256(q1, _mm256_xor_si256(_mm256_loadu_si256(q1), _mm256_permute2x128_si256(lo, hi, 0x31)));
		}
}

static int use_avx2 = -1; /* -1: not asked yet */

static bool cpu_has_avx2(void)
{
	unsigned a, b, c, d, lo, hi;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) /* OSXSAVE */
		return false;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & 6) != 6) /* the OS saves the XMM and YMM registers */
		return false;
	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 5));
}

void bs_chacha20_force_sse2(bool on)
{
	use_avx2 = on ? 0 : cpu_has_avx2();
}

bool bs_chacha20_avx2(void)
{
	if (use_avx2 < 0)
		use_avx2 = cpu_has_avx2();
	return use_avx2 == 1;
}

/* Poly1305 in radix 2^26 (five limbs of 26 bits, products in 64 bits).  The state between
 * calls and the tails (fewer than four blocks) are scalar; runs of four blocks go through
 * AVX2, four lanes each accumulating every fourth block multiplied by r^4, the last group
 * by r^4, r^3, r^2, r so that the lanes' sum is the sequential result (Goll and Gueron's
 * method, as OpenSSL's and the Linux kernel's vector Poly1305 do). */
#define M26 0x3ffffffu

struct poly {
	uint64_t h[5];        /* the accumulator, partly reduced (limbs a little over 2^26) */
	uint32_t r[4][5];     /* r, r^2, r^3, r^4, partly reduced */
};

static void limbs26(uint64_t l[5], uint64_t lo, uint64_t hi)
{
	l[0] = lo & M26, l[1] = (lo >> 26) & M26, l[2] = ((lo >> 52) | (hi << 12)) & M26;
	l[3] = (hi >> 14) & M26, l[4] = hi >> 40;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8); /* this file's vector code is for little-endian x86-64 only */
	return v;
}

/* h = h * r mod 2^130 - 5, partly reduced: every limb below 2^26 but h[1], below 2^26 + 2^12.
 * Takes limbs of h below 2^32 and of r below 2^27. */
static void mulmod(uint64_t h[5], const uint32_t r[5])
{
	uint64_t s1 = r[1] * 5ull, s2 = r[2] * 5ull, s3 = r[3] * 5ull, s4 = r[4] * 5ull, c;
	uint64_t d0 = h[0] * r[0] + h[1] * s4 + h[2] * s3 + h[3] * s2 + h[4] * s1;
	uint64_t d1 = h[0] * r[1] + h[1] * r[0] + h[2] * s4 + h[3] * s3 + h[4] * s2;
	uint64_t d2 = h[0] * r[2] + h[1] * r[1] + h[2] * r[0] + h[3] * s4 + h[4] * s3;
	uint64_t d3 = h[0] * r[3] + h[1] * r[2] + h[2] * r[1] + h[3] * r[0] + h[4] * s4;
	uint64_t d4 = h[0] * r[4] + h[1] * r[3] + h[2] * r[2] + h[3] * r[1] + h[4] * r[0];

	c = d0 >> 26, h[0] = d0 & M26, d1 += c;
	c = d1 >> 26, h[1] = d1 & M26, d2 += c;
	c = d2 >> 26, h[2] = d2 & M26, d3 += c;
	c = d3 >> 26, h[3] = d3 & M26, d4 += c;
	c = d4 >> 26, h[4] = d4 & M26, h[0] += c * 5;
	c = h[0] >> 26, h[0] &= M26, h[1] += c;
}

static void blocks_scalar(struct poly *st, const unsigned char *m, size_t n)
{
	for (; n; n--, m += 16) {
		uint64_t l[5];
		limbs26(l, le64(m), le64(m + 8));
		l[4] |= 1u << 24; /* the block's 2^128 */
		for (int i = 0; i < 5; i++)
			st->h[i] += l[i];
		mulmod(st->h, st->r[0]);
	}
}

/* N blocks (a multiple of 4, at least 4) */
__attribute__((target("avx2")))
static void blocks_avx2(struct poly *st, const unsigned char *m, size_t n)
{
	const __m256i mask = _mm256_set1_epi64x(M26), hib = _mm256_set1_epi64x(1 << 24);
	__m256i h[5], r4[5], s4[5], rl[5], sl[5];
	uint64_t lanes[4];

	for (int i = 0; i < 5; i++) {
		h[i] = _mm256_setr_epi64x((long long) st->h[i], 0, 0, 0);
		r4[i] = _mm256_set1_epi64x(st->r[3][i]);
		s4[i] = _mm256_set1_epi64x(st->r[3][i] * 5ll);
		/* the lanes hold blocks 0, 2, 1, 3 of a group (the loads' order below) */
		rl[i] = _mm256_setr_epi64x(st->r[3][i], st->r[1][i], st->r[2][i], st->r[0][i]);
		sl[i] = _mm256_mullo_epi32(rl[i], _mm256_set1_epi64x(5));
	}
	for (; n; n -= 4, m += 64) {
		__m256i a = _mm256_loadu_si256((const __m256i *) (const void *) m);
		__m256i b = _mm256_loadu_si256((const __m256i *) (const void *) (m + 32));
		__m256i lo = _mm256_unpacklo_epi64(a, b), hi = _mm256_unpackhi_epi64(a, b);
		const __m256i *r = n == 4 ? rl : r4, *s = n == 4 ? sl : s4;
		__m256i d0, d1, d2, d3, d4, c;

		h[0] = _mm256_add_epi64(h[0], _mm256_and_si256(lo, mask));
		h[1] = _mm256_add_epi64(h[1], _mm256_and_si256(_mm256_srli_epi64(lo, 26), mask));
		h[2] = _mm256_add_epi64(h[2], _mm256_and_si256(_mm256_or_si256(_mm256_srli_epi64(lo, 52), _mm256_slli_epi64(hi, 12)), mask));
		h[3] = _mm256_add_epi64(h[3], _mm256_and_si256(_mm256_srli_epi64(hi, 14), mask));
		h[4] = _mm256_add_epi64(h[4], _mm256_or_si256(_mm256_srli_epi64(hi, 40), hib));
#define MUL(x, y) _mm256_mul_epu32((x), (y))
#define ADD(x, y) _mm256_add_epi64((x), (y))
		d0 = ADD(ADD(ADD(MUL(h[0], r[0]), MUL(h[1], s[4])), ADD(MUL(h[2], s[3]), MUL(h[3], s[2]))), MUL(h[4], s[1]));
		d1 = ADD(ADD(ADD(MUL(h[0], r[1]), MUL(h[1], r[0])), ADD(MUL(h[2], s[4]), MUL(h[3], s[3]))), MUL(h[4], s[2]));
		d2 = ADD(ADD(ADD(MUL(h[0], r[2]), MUL(h[1], r[1])), ADD(MUL(h[2], r[0]), MUL(h[3], s[4]))), MUL(h[4], s[3]));
		d3 = ADD(ADD(ADD(MUL(h[0], r[3]), MUL(h[1], r[2])), ADD(MUL(h[2], r[1]), MUL(h[3], r[0]))), MUL(h[4], s[4]));
		d4 = ADD(ADD(ADD(MUL(h[0], r[4]), MUL(h[1], r[3])), ADD(MUL(h[2], r[2]), MUL(h[3], r[1]))), MUL(h[4], r[0]));
		/* carries in two interleaved chains: 0 -> 1 -> 2 -> 3 and 3 -> 4 -> 0 -> 1 */
		c = _mm256_srli_epi64(d0, 26), d0 = _mm256_and_si256(d0, mask), d1 = ADD(d1, c);
		c = _mm256_srli_epi64(d3, 26), d3 = _mm256_and_si256(d3, mask), d4 = ADD(d4, c);
		c = _mm256_srli_epi64(d1, 26), d1 = _mm256_and_si256(d1, mask), d2 = ADD(d2, c);
		c = _mm256_srli_epi64(d4, 26), d4 = _mm256_and_si256(d4, mask), d0 = ADD(d0, ADD(c, _mm256_slli_epi64(c, 2)));
		c = _mm256_srli_epi64(d2, 26), d2 = _mm256_and_si256(d2, mask), d3 = ADD(d3, c);
		c = _mm256_srli_epi64(d0, 26), d0 = _mm256_and_si256(d0, mask), d1 = ADD(d1, c);
		c = _mm256_srli_epi64(d3, 26), d3 = _mm256_and_si256(d3, mask), d4 = ADD(d4, c);
		h[0] = d0, h[1] = d1, h[2] = d2, h[3] = d3, h[4] = d4;
#undef MUL
#undef ADD
	}
	for (int i = 0; i < 5; i++) {
		_mm256_storeu_si256((__m256i *) (void *) lanes, h[i]);
		st->h[i] = lanes[0] + lanes[1] + lanes[2] + lanes[3];
	}
	/* the sum's limbs are below 2^28: carry them back to the scalar code's bounds */
	for (int i = 0; i < 4; i++)
		st->h[i + 1] += st->h[i] >> 26, st->h[i] &= M26;
	st->h[0] += (st->h[4] >> 26) * 5, st->h[4] &= M26;
	st->h[1] += st->h[0] >> 26, st->h[0] &= M26;
}

/* the AEAD's MAC input: DATA zero-padded to a whole number of blocks (runs of at least eight
 * blocks four at a time where the CPU has AVX2) */
static void poly_padded(struct poly *st, const unsigned char *m, size_t len)
{
	unsigned char last[16] = { 0 };
	size_t n = len / 16;

	if (n >= 8 && bs_chacha20_avx2()) {
		blocks_avx2(st, m, n & ~(size_t) 3);
		m += (n & ~(size_t) 3) * 16, len -= (n & ~(size_t) 3) * 16, n &= 3;
	}
	blocks_scalar(st, m, n);
	if (len % 16) {
		memcpy(last, m + n * 16, len % 16);
		blocks_scalar(st, last, 1);
	}
}

static void poly_tag(const struct poly *st, const unsigned char s[16], unsigned char tag[16])
{
	const uint64_t *h = st->h;
	typedef unsigned __int128 u128;
	u128 a = (u128) h[0] + ((u128) h[1] << 26) + ((u128) h[2] << 52);
	u128 b = (a >> 64) + ((u128) h[3] << 14) + ((u128) h[4] << 40);
	uint64_t w0 = (uint64_t) a, w1 = (uint64_t) b, w2 = (uint64_t) (b >> 64), g0, g1, g2, sel;

	/* h = w0 + w1 2^64 + w2 2^128, below 2^134: fold what is above 2^130 (2^130 is 5 modulo p), twice */
	for (int k = 0; k < 2; k++) {
		u128 t = (u128) w0 + (u128) (w2 >> 2) * 5;
		w2 &= 3, w0 = (uint64_t) t, t = (t >> 64) + w1, w1 = (uint64_t) t, w2 += (uint64_t) (t >> 64);
	}
	/* h - p = h + 5 - 2^130, taken where it is not negative */
	{
		u128 t = (u128) w0 + 5;
		g0 = (uint64_t) t, t = (t >> 64) + w1, g1 = (uint64_t) t, g2 = w2 + (uint64_t) (t >> 64);
	}
	sel = 0 - (g2 >> 2);
	w0 = (w0 & ~sel) | (g0 & sel), w1 = (w1 & ~sel) | (g1 & sel);
	{
		u128 t = (u128) w0 + le64(s);
		w0 = (uint64_t) t, w1 += le64(s + 8) + (uint64_t) (t >> 64);
	}
	memcpy(tag, &w0, 8), memcpy(tag + 8, &w1, 8);
}

/* r (clamped) and its powers from the one-time key's first half */
static void poly_init(struct poly *st, const unsigned char pkey[16])
{
	uint64_t p[5];

	memset(st, 0, sizeof *st);
	limbs26(p, le64(pkey) & 0x0ffffffc0fffffffull, le64(pkey + 8) & 0x0ffffffc0ffffffcull);
	for (int k = 0; k < 4; k++) {
		for (int i = 0; i < 5; i++)
			st->r[k][i] = (uint32_t) p[i];
		if (k < 3)
			mulmod(p, st->r[0]);
	}
}

void bs_poly1305_blocks_mac(const unsigned char key[32], const void *msg, size_t len, unsigned char tag[16])
{
	struct poly st;

	poly_init(&st, key);
	poly_padded(&st, msg, len);
	poly_tag(&st, key + 16, tag);
}

static void poly_aead(const unsigned char pkey[32], const void *aad, size_t aad_len, const void *data, size_t len,
		      unsigned char tag[16])
{
	struct poly st;
	unsigned char foot[16];

	poly_init(&st, pkey);
	poly_padded(&st, aad, aad_len);
	poly_padded(&st, data, len);
	memcpy(foot, &(uint64_t) { aad_len }, 8), memcpy(foot + 8, &(uint64_t) { len }, 8);
	blocks_scalar(&st, foot, 1);
	poly_tag(&st, pkey + 16, tag);
}

/* br_poly1305_run: see chacha20.h */
void bs_poly1305_run(const void *key, const void *iv, void *data, size_t len, const void *aad, size_t aad_len,
		     void *tag, br_chacha20_run ichacha, int encrypt)
{
	unsigned char pkey[32] = { 0 };

	if (!bs_chacha20_avx2()) {
		bearssl_chapol(key, iv, data, len, aad, aad_len, tag, ichacha, encrypt);
		return;
	}
	ichacha(key, iv, 0, pkey, sizeof pkey);
	if (encrypt)
		ichacha(key, iv, 1, data, len);
	poly_aead(pkey, aad, aad_len, data, len, tag);
	if (!encrypt)
		ichacha(key, iv, 1, data, len);
}
#else
#define four_sse2 four
#endif

uint32_t bs_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len)
{
	uint32_t st[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	unsigned char *p = data;

	memcpy(st + 4, key, 32);
	memcpy(st + 13, iv, 12);
	/* whole groups of blocks whose counters do not wrap (RFC 8439: the counter is 32 bits) */
#if defined(__x86_64__)
	if (len >= 512 && bs_chacha20_avx2())
		while (len >= 512 && cc <= UINT32_MAX - 7) {
			eight_avx2(st, cc, p);
			cc += 8, p += 512, len -= 512;
		}
#endif
	while (len >= 256 && cc <= UINT32_MAX - 3) {
		four_sse2(st, cc, p);
		cc += 4, p += 256, len -= 256;
	}
	return len ? br_chacha20_ct_run(key, iv, cc, p, len) : cc;
}
#else
uint32_t bs_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len)
{
	return br_chacha20_ct_run(key, iv, cc, data, len);
}
#endif

#if !defined(__x86_64__)
void bs_chacha20_force_sse2(bool on)
{
	(void) on;
}

bool bs_chacha20_avx2(void)
{
	return false;
}

void bs_poly1305_run(const void *key, const void *iv, void *data, size_t len, const void *aad, size_t aad_len,
		     void *tag, br_chacha20_run ichacha, int encrypt)
{
	bearssl_chapol(key, iv, data, len, aad, aad_len, tag, ichacha, encrypt);
}
#endif
