/* pem.c: see pem.h.  Replaces BearSSL's PEM decoder for the CA bundle: that one is
 * interpreted code and took 14 ms of the 19 ms every TLS start spent here. */
#include "pem.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base64.h"
#include "cursor.h"

static bool starts(const unsigned char *s, size_t n, const char *with)
{
	size_t w = strlen(with);
	return n >= w && !memcmp(s, with, w);
}

static bool ends(const unsigned char *s, size_t n, const char *with)
{
	size_t w = strlen(with);
	return n >= w && !memcmp(s + n - w, with, w);
}

int pem_each(const unsigned char *in, size_t len, unsigned char *der, size_t cap, pem_fn *fn, void *ctx,
	     size_t *bad_line)
{
	struct cursor c = cursor_of(in, len);
	char label[PEM_LABEL_MAX + 1];
	size_t line_no = 0, o = 0, lab = 0, n;
	bool inside = false, too_big = false;
	struct b64 st = { 0 };
	const char *line;

	while ((line = cursor_line(&c, &n))) {
		const unsigned char *s = (const unsigned char *) line, *le = s + n;
		int k;

		line_no++;
		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		while (le > s && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
			le--;
		n = (size_t) (le - s);
		if (!inside) {
			/* "-----BEGIN " label "-----" */
			if (starts(s, n, "-----BEGIN ") && n >= 16 && ends(s, n, "-----") && n - 16 <= PEM_LABEL_MAX) {
				lab = n - 16;
				memcpy(label, s + 11, lab);
				label[lab] = '\0';
				inside = true;
				too_big = false;
				o = 0;
				st = (struct b64) { 0 };
			}
			continue;
		}
		if (starts(s, n, "-----END ")) {
			if (n != lab + 14 || memcmp(s + 9, label, lab) != 0 || !ends(s, n, "-----")) {
				*bad_line = line_no;
				return -EBADMSG;
			}
			inside = false;
			if (!too_big && (k = fn(ctx, label, der, o)) < 0)
				return k;
			continue;
		}
		if (too_big || memchr(s, ':', n))
			continue;
		k = b64_decode(&st, s, n, der, cap, &o);
		if (k == -E2BIG)
			too_big = true;
		else if (k < 0) {
			*bad_line = line_no;
			return -EBADMSG;
		}
	}
	return 0;
}
