/* sha512.c: see sha512.h.  FIPS 180-4, section 6.4; BearSSL keeps the padding, the output
 * and the state functions (its context, its layout). */
#include "sha512.h"

#include <stdint.h>
#include <string.h>

static const uint64_t K[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
	0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
	0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
	0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
	0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
	0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
	0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
	0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
	0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
	0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
	0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
	0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
	0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
	0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (64 - (n))))
#define BS0(x) (ROTR(x, 28) ^ ROTR(x, 34) ^ ROTR(x, 39))
#define BS1(x) (ROTR(x, 14) ^ ROTR(x, 18) ^ ROTR(x, 41))
#define SS0(x) (ROTR(x, 1) ^ ROTR(x, 8) ^ ((x) >> 7))
#define SS1(x) (ROTR(x, 19) ^ ROTR(x, 61) ^ ((x) >> 6))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MAJ(x, y, z) (((x) & (y)) | ((z) & ((x) | (y))))

static inline uint64_t be64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

/* One round on the working variables A..H (renamed, not moved), with schedule word W. */
#define ROUND(a, b, c, d, e, f, g, h, k, w)                     \
	do {                                                        \
		uint64_t t1_ = (h) + BS1(e) + CH(e, f, g) + (k) + (w); \
		(d) += t1_;                                             \
		(h) = t1_ + BS0(a) + MAJ(a, b, c);                      \
	} while (0)
/* Schedule word J (16..79) in place in the 16-word window. */
#define SCHED(j) (W[(j) & 15] += SS1(W[((j) - 2) & 15]) + W[((j) - 7) & 15] + SS0(W[((j) - 15) & 15]))
#define EIGHT(i, w)                                           \
	do {                                                      \
		ROUND(a, b, c, d, e, f, g, h, K[(i) + 0], w((i) + 0)); \
		ROUND(h, a, b, c, d, e, f, g, K[(i) + 1], w((i) + 1)); \
		ROUND(g, h, a, b, c, d, e, f, K[(i) + 2], w((i) + 2)); \
		ROUND(f, g, h, a, b, c, d, e, K[(i) + 3], w((i) + 3)); \
		ROUND(e, f, g, h, a, b, c, d, K[(i) + 4], w((i) + 4)); \
		ROUND(d, e, f, g, h, a, b, c, K[(i) + 5], w((i) + 5)); \
		ROUND(c, d, e, f, g, h, a, b, K[(i) + 6], w((i) + 6)); \
		ROUND(b, c, d, e, f, g, h, a, K[(i) + 7], w((i) + 7)); \
	} while (0)
#define WLOAD(j) (W[j] = be64(p + 8 * (size_t) (j)))

static void blocks(uint64_t st[8], const unsigned char *p, size_t n)
{
	while (n-- > 0) {
		uint64_t W[16];
		uint64_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
		EIGHT(0, WLOAD);
		EIGHT(8, WLOAD);
		for (int i = 16; i < 80; i += 16) {
			EIGHT(i, SCHED);
			EIGHT(i + 8, SCHED);
		}
		st[0] += a, st[1] += b, st[2] += c, st[3] += d, st[4] += e, st[5] += f, st[6] += g, st[7] += h;
		p += 128;
	}
}

/* BearSSL's update, with this block function (its buffer, count and state). */
static void update(const br_hash_class **ctx, const void *data, size_t len)
{
	br_sha512_context *cc = (br_sha512_context *) (void *) ctx;
	const unsigned char *p = data;
	size_t ptr = (size_t) cc->count & 127;

	cc->count += len;
	if (ptr) {
		size_t k = 128 - ptr;
		if (k > len)
			k = len;
		memcpy(cc->buf + ptr, p, k);
		p += k, len -= k, ptr += k;
		if (ptr < 128)
			return;
		blocks(cc->val, cc->buf, 1);
	}
	blocks(cc->val, p, len / 128);
	memcpy(cc->buf, p + (len & ~(size_t) 127), len & 127);
}

static void init384(const br_hash_class **ctx)
{
	br_sha384_init((br_sha384_context *) (void *) ctx);
	*ctx = &bs_sha384_vtable;
}

static void init512(const br_hash_class **ctx)
{
	br_sha512_init((br_sha512_context *) (void *) ctx);
	*ctx = &bs_sha512_vtable;
}

static void out384(const br_hash_class *const *ctx, void *dst)
{
	br_sha384_out((const br_sha384_context *) (const void *) ctx, dst);
}

static void out512(const br_hash_class *const *ctx, void *dst)
{
	br_sha512_out((const br_sha512_context *) (const void *) ctx, dst);
}

static uint64_t state384(const br_hash_class *const *ctx, void *dst)
{
	return br_sha384_state((const br_sha384_context *) (const void *) ctx, dst);
}

static void set_state384(const br_hash_class **ctx, const void *stb, uint64_t count)
{
	br_sha384_set_state((br_sha384_context *) (void *) ctx, stb, count);
}

const br_hash_class bs_sha384_vtable = {
	sizeof(br_sha384_context),
	BR_HASHDESC_ID(br_sha384_ID) | BR_HASHDESC_OUT(48) | BR_HASHDESC_STATE(64) | BR_HASHDESC_LBLEN(7) |
		BR_HASHDESC_MD_PADDING | BR_HASHDESC_MD_PADDING_BE | BR_HASHDESC_MD_PADDING_128,
	init384, update, out384, state384, set_state384,
};

const br_hash_class bs_sha512_vtable = {
	sizeof(br_sha512_context),
	BR_HASHDESC_ID(br_sha512_ID) | BR_HASHDESC_OUT(64) | BR_HASHDESC_STATE(64) | BR_HASHDESC_LBLEN(7) |
		BR_HASHDESC_MD_PADDING | BR_HASHDESC_MD_PADDING_BE | BR_HASHDESC_MD_PADDING_128,
	init512, update, out512, state384, set_state384,
};
