/* chacha20.c: see chacha20.h. */
#include "chacha20.h"

#include <bearssl_block.h>
#include <string.h>

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

/* Four blocks (counters cc..cc+3) of keystream XORed into P (256 bytes). */
static void four(const uint32_t st[16], uint32_t cc, unsigned char *p)
{
	v4 x[16], in[16];
	uint32_t ks[16][4];

	for (int i = 0; i < 16; i++)
		in[i] = (v4) { st[i], st[i], st[i], st[i] };
	in[12] = (v4) { cc, cc + 1, cc + 2, cc + 3 };
	memcpy(x, in, sizeof x);
	for (int r = 0; r < 10; r++) {
		QR(0, 4, 8, 12);
		QR(1, 5, 9, 13);
		QR(2, 6, 10, 14);
		QR(3, 7, 11, 15);
		QR(0, 5, 10, 15);
		QR(1, 6, 11, 12);
		QR(2, 7, 8, 13);
		QR(3, 4, 9, 14);
	}
	for (int i = 0; i < 16; i++)
		x[i] += in[i];
	memcpy(ks, x, sizeof ks);
	for (size_t j = 0; j < 4; j++)
		for (size_t i = 0; i < 16; i++) {
			uint32_t w;
			memcpy(&w, p + 64 * j + 4 * i, 4);
			w ^= ks[i][j];
			memcpy(p + 64 * j + 4 * i, &w, 4);
		}
}

uint32_t bs_chacha20_run(const void *key, const void *iv, uint32_t cc, void *data, size_t len)
{
	uint32_t st[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	unsigned char *p = data;

	memcpy(st + 4, key, 32);
	memcpy(st + 13, iv, 12);
	/* whole groups of four blocks whose counters do not wrap (RFC 8439: the counter is 32 bits) */
	while (len >= 256 && cc <= UINT32_MAX - 3) {
		four(st, cc, p);
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
