/* base64.h: the RFC 4648 alphabet, decoded a piece at a time (OpenPGP armor, PEM). */
#ifndef BS_BASE64_H
#define BS_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decoding state carried across pieces (lines) of one object. */
struct b64 {
	uint32_t acc;
	int bits;
	size_t pad;
};

/* Decode in[0..n) (no whitespace) into out[*o..cap), advancing *o.  0; -EBADMSG for a
 * character outside the alphabet, data after '=' or more than two '='; -E2BIG when out
 * is full. */
int b64_decode(struct b64 *s, const unsigned char *in, size_t n, unsigned char *out, size_t cap, size_t *o);

/* Encode in[0..n) into out (NUL-terminated, padded with '='); url: the URL-safe alphabet
 * ('-', '_').  The length written, or 0 when out (cap bytes) is too small. */
size_t b64_encode(const unsigned char *in, size_t n, char *out, size_t cap, bool url);

#endif
