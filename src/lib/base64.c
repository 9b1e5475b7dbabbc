/* base64.c: the decoder behind OpenPGP armor and PEM bundles. */
#include <errno.h>

#include "base64.h"

static int value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int b64_decode(struct b64 *s, const unsigned char *in, size_t n, unsigned char *out, size_t cap, size_t *o)
{
	for (size_t i = 0; i < n; i++) {
		int v;
		if (in[i] == '=') {
			if (++s->pad > 2)
				return -EBADMSG;
			continue;
		}
		if (s->pad)
			return -EBADMSG; /* data after padding */
		v = value(in[i]);
		if (v < 0)
			return -EBADMSG;
		s->acc = (s->acc << 6) | (uint32_t) v;
		s->bits += 6;
		if (s->bits >= 8) {
			s->bits -= 8;
			if (*o >= cap)
				return -E2BIG;
			out[(*o)++] = (unsigned char) (s->acc >> s->bits);
		}
	}
	return 0;
}

size_t b64_encode(const unsigned char *in, size_t n, char *out, size_t cap, bool url)
{
	const char *a = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			    : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t need = (n + 2) / 3 * 4, o = 0;

	if (cap == 0 || need >= cap)
		return 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t) in[i] << 16 | (i + 1 < n ? (uint32_t) in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		out[o++] = a[v >> 18 & 63];
		out[o++] = a[v >> 12 & 63];
		out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? a[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}
