/* fuzz_http.c: the response-head parser and the chunked decoder on arbitrary bytes.
 * The first byte picks the target: odd, the head parser (a head it takes has values free
 * of CR, LF and NUL, folded lines included); 'r', the whole response reader through a
 * socketpair (bare-LF heads, 206, framing; a 206 is never taken: we send no Range);
 * otherwise the chunked decoder, with the input also fed in two pieces at a split point
 * taken from the second byte, and both ways must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/conn.h"
#include "lib/http.h" /* the client's reader, and http_parse.h's parser */

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
	static struct http_bufs bufs;
	struct bs_err e;

	if (size < 2)
		return 0;
	if (data[0] & 1) {
		if (http_parse_head((const char *) data + 1, size - 1, &r, &e) == 0 &&
		    (strpbrk(r.location, "\r\n") || strpbrk(r.content_type, "\r\n")))
			abort();
	} else if (data[0] == 'r') {
		struct conn c = { .fd = -1, .io_timeout_ms = 1000 };
		int sv[2], k;
		if (size > 60001 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
			return 0; /* more would not fit the socket buffer before the reader runs */
		if (write(sv[0], data + 1, size - 1) != (ssize_t) (size - 1)) {
			close(sv[0]);
			close(sv[1]);
			return 0;
		}
		close(sv[0]);
		c.fd = sv[1];
		e.msg[0] = '\0';
		k = http_read_response(&c, "GET", NULL, &r, &bufs, &e);
		close(sv[1]);
		if ((k == 0 && r.status == 206) || (k < 0 && !e.msg[0]))
			abort();
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
