/* envfile.c: see envfile.h.  All reads of the input go through explicit lengths. */
#include "envfile.h"

#include <errno.h>
#include <string.h>

#include "cursor.h"

bool envfile_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i], need, cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F, min = 0x80;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F, min = 0x800;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if (n - i <= need)
			return false;
		for (unsigned k = 1; k <= need; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += need + 1;
	}
	return true;
}

/* Length of the leading white space of s[0..n) per Go's unicode.IsSpace. */
static size_t space_prefix(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i];
		if (c == ' ' || (c >= '\t' && c <= '\r')) {
			i++;
		} else if (c == 0xC2 && i + 1 < n && (p[i + 1] == 0x85 || p[i + 1] == 0xA0)) {
			i += 2; /* U+0085 NEL, U+00A0 NBSP */
		} else if (c == 0xE1 && i + 2 < n && p[i + 1] == 0x9A && p[i + 2] == 0x80) {
			i += 3; /* U+1680 */
		} else if (c == 0xE2 && i + 2 < n && p[i + 1] == 0x80 &&
			   ((p[i + 2] >= 0x80 && p[i + 2] <= 0x8A) || p[i + 2] == 0xA8 || p[i + 2] == 0xA9 ||
			    p[i + 2] == 0xAF)) {
			i += 3; /* U+2000..U+200A, U+2028, U+2029, U+202F */
		} else if (c == 0xE2 && i + 2 < n && p[i + 1] == 0x81 && p[i + 2] == 0x9F) {
			i += 3; /* U+205F */
		} else if (c == 0xE3 && i + 2 < n && p[i + 1] == 0x80 && p[i + 2] == 0x80) {
			i += 3; /* U+3000 */
		} else {
			break;
		}
	}
	return i;
}

static int one_line(const struct envfile_ops *ops, const char *raw, size_t raw_len, unsigned lineno,
		    struct bs_err *e)
{
	const char *s = raw, *eq, *nul;
	size_t n = raw_len, sp;
	struct envfile_entry ent;
	char keybuf[ENVFILE_KEY_LOOKUP_MAX];
	int r;

	if (n && s[n - 1] == '\r')
		n--;
	if (!envfile_utf8_valid(s, n))
		return err_set(e, -EILSEQ, "line %u: invalid utf8 bytes", lineno);
	if (lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3, n -= 3;
	sp = space_prefix(s, n);
	s += sp, n -= sp;
	if (n == 0 || s[0] == '#') {
		if (ops->line)
			return ops->line(ops->ctx, raw, raw_len, NULL);
		return 0;
	}
	memset(&ent, 0, sizeof ent);
	ent.line = lineno;
	ent.raw = raw;
	ent.raw_len = raw_len;
	eq = memchr(s, '=', n);
	ent.key = s;
	ent.key_len = eq ? (size_t) (eq - s) : n;
	/* Only space and tab count here (docker's whiteSpaces), unlike the leading trim. */
	if (memchr(ent.key, ' ', ent.key_len) || memchr(ent.key, '\t', ent.key_len))
		return err_set(e, -EINVAL, "line %u: variable '%.*s' contains whitespaces", lineno,
			       (int) (ent.key_len > 200 ? 200 : ent.key_len), ent.key);
	if (ent.key_len == 0)
		return err_set(e, -EINVAL, "line %u: no variable name on line '%.*s'", lineno,
			       (int) (n > 200 ? 200 : n), s);
	/* A NUL would cut the name or the value short in every C string they go through (docker
	 * passes it on, and the container then fails to start). */
	nul = memchr(ent.key, '\0', ent.key_len);
	if (nul)
		return err_set(e, -EINVAL, "line %u: variable name contains a NUL byte (at byte %zu)", lineno,
			       (size_t) (nul - ent.key) + 1);
	if (eq) {
		ent.has_eq = true;
		ent.val = eq + 1;
		ent.val_len = n - ent.key_len - 1;
		if (memchr(ent.val, '\0', ent.val_len))
			return err_set(e, -EINVAL, "line %u: value of '%.*s' contains a NUL byte", lineno,
				       (int) (ent.key_len > 200 ? 200 : ent.key_len), ent.key);
	} else {
		const char *v = NULL;
		if (ops->lookup && ent.key_len < sizeof keybuf) {
			memcpy(keybuf, ent.key, ent.key_len);
			keybuf[ent.key_len] = '\0';
			v = ops->lookup(ops->ctx, keybuf);
		}
		ent.val = v;
		ent.val_len = v ? strlen(v) : 0;
		if (ops->line) {
			r = ops->line(ops->ctx, raw, raw_len, &ent);
			if (r < 0)
				return r;
		}
		if (!v)
			return 0;
		return ops->entry ? ops->entry(ops->ctx, &ent) : 0;
	}
	if (ops->line) {
		r = ops->line(ops->ctx, raw, raw_len, &ent);
		if (r < 0)
			return r;
	}
	return ops->entry ? ops->entry(ops->ctx, &ent) : 0;
}

int envfile_parse(const char *data, size_t len, const struct envfile_ops *ops, struct bs_err *e)
{
	struct cursor c = cursor_of(data, len);
	unsigned lineno = 0;
	const char *line;
	size_t n;

	while ((line = cursor_line(&c, &n))) {
		int r;

		lineno++;
		if (n > ENVFILE_LINE_MAX)
			return err_set(e, -E2BIG, "line %u: too long (limit %d bytes)", lineno, ENVFILE_LINE_MAX);
		r = one_line(ops, line, n, lineno, e);
		if (r < 0)
			return r;
	}
	return (int) lineno;
}
