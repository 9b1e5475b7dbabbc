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
