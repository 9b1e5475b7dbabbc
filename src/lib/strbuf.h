/* strbuf.h: a bounded, always NUL-terminated string builder over a caller's buffer.
 * Appends that do not fit are dropped and set `over`, which the caller checks once. */
#ifndef BS_STRBUF_H
#define BS_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *p;
	size_t len, cap;   /* cap >= 1: room for the NUL */
	bool over;
};

void strbuf_put(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);

#endif
