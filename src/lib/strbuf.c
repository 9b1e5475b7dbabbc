/* strbuf.c: see strbuf.h. */
#include "strbuf.h"

#include <string.h>

void strbuf_put(struct strbuf *b, const char *s, size_t n)
{
	if (n > b->cap - b->len - 1) {
		b->over = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_put(b, s, strlen(s));
}
