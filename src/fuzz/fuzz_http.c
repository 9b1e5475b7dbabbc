/* fuzz_http.c: the response-head parser and the chunked decoder on arbitrary bytes.
 * The first byte picks the target; for chunked, the input is also fed in two pieces at
 * a split point taken from the second byte, and both ways must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"

struct acc {
	size_t n;
	unsigned char sum;
};

static int emit(void *ctx, const void *p, size_t n, struct bs_err *e)
{
	struct acc *a = ctx;
	(void) e;
	for (size_t i = 0; i < n; i++)
		a->sum = (unsigned char) (a->sum * 31 + ((const unsigned char *) p)[i]);
	a->n += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_resp r;
	struct bs_err e;

	if (size < 2)
		return 0;
	if (data[0] & 1) {
		(void) http_parse_head((const char *) data + 1, size - 1, &r, &e);
	} else {
		struct http_chunked c1, c2;
		struct acc a1 = { 0, 0 }, a2 = { 0, 0 };
		const char *in = (const char *) data + 2;
		size_t n = size - 2, split = n ? data[1] % (n + 1) : 0, u1 = 0, u2 = 0;
		int k1, k2;

		http_chunked_init(&c1);
		k1 = http_chunked_push(&c1, in, n, &u1, emit, &a1, &e);
		http_chunked_init(&c2);
		k2 = http_chunked_push(&c2, in, split, &u2, emit, &a2, &e);
		if (k2 == 0) {
			size_t u3 = 0;
			k2 = http_chunked_push(&c2, in + split, n - split, &u3, emit, &a2, &e);
			u2 = split + u3;
		}
		/* Feeding in pieces must not change the verdict nor the bytes delivered. */
		if ((k1 < 0) != (k2 < 0) || (k1 >= 0 && (k1 != k2 || a1.n != a2.n || a1.sum != a2.sum || u1 != u2)))
			abort();
	}
	return 0;
}
