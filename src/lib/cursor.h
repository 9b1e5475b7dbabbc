/* cursor.h: the one bounded reader the parsers share (pgp.c's packets, http_parse.c's head,
 * tar.c's pax records): bytes, their length and an offset.  A read past the end yields
 * nothing (0, NULL) and marks the cursor bad, so a parser reads a whole structure and checks
 * bad once; nothing ever reads outside [p, p + len). */
#ifndef BS_CURSOR_H
#define BS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct cursor {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};

static inline struct cursor cursor_of(const void *p, size_t len)
{
	return (struct cursor) { (const unsigned char *) p, len, 0, false };
}

static inline size_t cursor_left(const struct cursor *c)
{
	return c->len - c->off;
}

/* The next byte (0 and bad past the end). */
static inline unsigned cursor_u8(struct cursor *c)
{
	if (c->off >= c->len) {
		c->bad = true;
		return 0;
	}
	return c->p[c->off++];
}

/* An n-byte big-endian number, n <= 4. */
static inline uint32_t cursor_be(struct cursor *c, int n)
{
	uint32_t v = 0;
	while (n--)
		v = (v << 8) | cursor_u8(c);
	return v;
}

/* The next n bytes (NULL and bad, the rest consumed, when fewer are left). */
static inline const unsigned char *cursor_take(struct cursor *c, size_t n)
{
	const unsigned char *q;
	if (n > c->len - c->off) {
		c->bad = true;
		c->off = c->len;
		return NULL;
	}
	q = c->p + c->off;
	c->off += n;
	return q;
}

/* The bytes up to the next delim, which is consumed too: their start and, in *n, their
 * count.  NULL when no delim is left (nothing consumed, not bad: more input may come). */
static inline const char *cursor_until(struct cursor *c, unsigned char delim, size_t *n)
{
	const unsigned char *q = c->p + c->off, *d = memchr(q, delim, c->len - c->off);
	if (!d)
		return NULL;
	*n = (size_t) (d - q);
	c->off += *n + 1;
	return (const char *) q;
}

/* The next line: the bytes up to '\n' (consumed, not counted in *n) or, for a last line
 * without one, to the end.  NULL when nothing is left. */
static inline const char *cursor_line(struct cursor *c, size_t *n)
{
	const char *q = cursor_until(c, '\n', n);
	if (q || !cursor_left(c))
		return q;
	q = (const char *) c->p + c->off;
	*n = cursor_left(c);
	c->off = c->len;
	return q;
}

#endif
