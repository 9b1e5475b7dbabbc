/* http_parse.c: see http_parse.h.  Pure: bytes in, a parsed head or body pieces out; no I/O. */
#include "http_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cursor.h"
#include "hex.h"

#define CHUNK_EXT_MAX 1024
#define TRAILER_LINE_MAX 8192
#define TRAILERS_MAX 100

/* ------------------------------------------------------------------ head parsing */

/* A response that breaks HTTP/1.1 (or our limits on a head): the same bytes would come
 * again, so it is not retried.  Exit 102: like a failed verification, nothing from this
 * server can be trusted as the object, and someone should look.  A body cut short by
 * the end of the connection is not one of these: that is temporary (exit 111). */
int http_proto_err(struct bs_err *e, const char *fmt, ...)
{
	char what[BS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return err_setx(e, -EPROTO, BS_EXIT_INTEGRITY, "HTTP protocol error from the server: %s (retrying will not help)",
			what);
}

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c);
}

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static int parse_header(struct http_resp *r, const char *name, size_t nn, const char *v, size_t vn, bool *seen_cl,
			bool *seen_te, struct bs_err *e)
{
	if (nn == 14 && !strncasecmp(name, "Content-Length", 14)) {
		unsigned long long x = 0;
		if (*seen_cl)
			return http_proto_err(e, "duplicate Content-Length");
		*seen_cl = true;
		if (vn == 0 || vn > 15)
			return http_proto_err(e, "bad Content-Length '%.*s'", (int) (vn > 32 ? 32 : vn), v);
		for (size_t i = 0; i < vn; i++) {
			if (v[i] < '0' || v[i] > '9')
				return http_proto_err(e, "bad Content-Length '%.*s'", (int) (vn > 32 ? 32 : vn), v);
			x = x * 10 + (unsigned) (v[i] - '0');
		}
		r->content_length = (long long) x;
	} else if (nn == 17 && !strncasecmp(name, "Transfer-Encoding", 17)) {
		if (*seen_te)
			return http_proto_err(e, "duplicate Transfer-Encoding");
		*seen_te = true;
		if (vn != 7 || strncasecmp(v, "chunked", 7) != 0)
			return http_proto_err(e, "unsupported Transfer-Encoding '%.*s'", (int) (vn > 32 ? 32 : vn), v);
		r->chunked = true;
	} else if (nn == 8 && !strncasecmp(name, "Location", 8)) {
		if (vn >= sizeof r->location)
			return http_proto_err(e, "Location header longer than %zu bytes", sizeof r->location - 1);
		copy_value(r->location, sizeof r->location, v, vn);
	} else if (nn == 11 && !strncasecmp(name, "Retry-After", 11)) {
		long long x = 0;
		size_t i;
		for (i = 0; i < vn && i < 9 && v[i] >= '0' && v[i] <= '9'; i++)
			x = x * 10 + (v[i] - '0');
		/* An HTTP-date is allowed too; we then fall back to our own backoff. */
		r->retry_after_s = i == vn && vn > 0 ? x : -1;
	} else if (nn == 12 && !strncasecmp(name, "Content-Type", 12)) {
		copy_value(r->content_type, sizeof r->content_type, v, vn);
	} else if (nn == 11 && !strncasecmp(name, "Api-Version", 11)) {
		copy_value(r->api_version, sizeof r->api_version, v, vn);
	}
	return 0;
}

/* The end of one header field: value v[0..vn) has its obs-folds replaced already. */
static int end_field(struct http_resp *r, const char *name, size_t nn, const char *v, size_t vn, bool *seen_cl,
		     bool *seen_te, struct bs_err *e)
{
	while (vn && (*v == ' ' || *v == '\t'))
		v++, vn--;
	while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	for (size_t i = 0; i < vn; i++)
		if (((unsigned char) v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
			return http_proto_err(e, "control character in header '%.*s'", (int) nn, name);
	return parse_header(r, name, nn, v, vn, seen_cl, seen_te, e);
}

int http_parse_head(const char *buf, size_t len, struct http_resp *r, struct bs_err *e)
{
	static char unfolded[HTTP_HEAD_MAX]; /* a folded field's value, joined: never longer than the head */
	struct cursor c = cursor_of(buf, len);
	size_t eol, nn = 0, vn = 0;
	unsigned lines = 0;
	bool seen_cl = false, seen_te = false;
	const char *name = NULL, *val = NULL;
	int k;

	r->status = 0;
	r->content_length = -1;
	r->chunked = false;
	r->retry_after_s = -1;
	r->location[0] = r->content_type[0] = r->api_version[0] = '\0';
	if (len > HTTP_HEAD_MAX)
		return http_proto_err(e, "response head over %lu KiB", HTTP_HEAD_MAX / 1024);
	/* Status line: HTTP/1.x SP 3DIGIT SP reason CRLF */
	if (!cursor_until(&c, '\n', &eol) || eol == 0 || buf[eol - 1] != '\r')
		return http_proto_err(e, "status line does not end in CRLF");
	eol--;
	if (eol < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' || buf[11] < '0' || buf[11] > '9' ||
	    (eol > 12 && buf[12] != ' '))
		return http_proto_err(e, "bad status line '%.*s'", (int) (eol > 64 ? 64 : eol), buf);
	r->minor = buf[7] - '0';
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	for (size_t i = 13; i < eol; i++)
		if ((unsigned char) buf[i] < 0x20 && buf[i] != '\t')
			return http_proto_err(e, "control character in the reason phrase");
	for (;;) {
		const char *line, *colon;
		size_t ln;

		line = cursor_until(&c, '\n', &ln);
		if (!line)
			return http_proto_err(e, "header block not terminated");
		if (ln == 0 || line[ln - 1] != '\r')
			return http_proto_err(e, "header line does not end in CRLF");
		ln--;
		if (ln == 0)
			break; /* the empty line */
		if (++lines > HTTP_HEADERS_MAX) /* folded lines count: the limit is on lines read */
			return http_proto_err(e, "more than %d header lines", HTTP_HEADERS_MAX);
		if (line[0] == ' ' || line[0] == '\t') {
			/* obs-fold: this line continues the field above.  RFC 9112 5.2 lets a user
			 * agent replace each fold (with the white space around it) by one SP: we do. */
			size_t cn = ln;
			if (!name) /* RFC 9112 2.2: reject, or skip the line unread; we reject */
				return http_proto_err(e, "white space before the first header line");
			while (cn && (*line == ' ' || *line == '\t'))
				line++, cn--;
			if (val != unfolded) {
				memcpy(unfolded, val, vn);
				val = unfolded;
			}
			while (vn && (unfolded[vn - 1] == ' ' || unfolded[vn - 1] == '\t'))
				vn--;
			/* cannot happen (unfolding only shortens the head), but checked */
			if (vn >= sizeof unfolded - 1 || cn > sizeof unfolded - 1 - vn)
				return http_proto_err(e, "folded header '%.*s' too long", (int) nn, name);
			unfolded[vn++] = ' ';
			memcpy(unfolded + vn, line, cn);
			vn += cn;
			continue;
		}
		if (name && (k = end_field(r, name, nn, val, vn, &seen_cl, &seen_te, e)) < 0)
			return k;
		colon = memchr(line, ':', ln);
		if (!colon || colon == line)
			return http_proto_err(e, "header line without a name: '%.*s'", (int) (ln > 64 ? 64 : ln), line);
		nn = (size_t) (colon - line);
		for (size_t i = 0; i < nn; i++)
			if (!is_tchar((unsigned char) line[i]))
				return http_proto_err(e, "bad character in header name '%.*s'", (int) (nn > 64 ? 64 : nn), line);
		name = line;
		val = colon + 1;
		vn = ln - nn - 1;
	}
	if (name && (k = end_field(r, name, nn, val, vn, &seen_cl, &seen_te, e)) < 0)
		return k;
	if (cursor_left(&c))
		return http_proto_err(e, "junk after the header block");
	if (seen_cl && seen_te)
		return http_proto_err(e, "both Transfer-Encoding and Content-Length");
	return 0;
}

/* ------------------------------------------------------------------ chunked */

/* chunk = size *(BWS ";" BWS name [BWS "=" BWS (token | quoted-string)]) CRLF data CRLF */
enum { CH_SIZE, CH_SIZE_WS, CH_EXT_NAME0, CH_EXT_NAME, CH_EXT_AFTER_NAME, CH_EXT_VAL0, CH_EXT_TOKEN, CH_EXT_QUOTED,
       CH_EXT_QUOTED_ESC, CH_EXT_AFTER_VAL, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER, CH_TRAILER_LF,
       CH_DONE };

void http_chunked_init(struct http_chunked *c)
{
	memset(c, 0, sizeof *c);
	c->state = CH_SIZE;
}

/* One byte of the chunk-size line after the digits. */
static int chunk_ext(struct http_chunked *c, char ch, struct bs_err *e)
{
	bool blank = ch == ' ' || ch == '\t';
	switch (c->state) {
	case CH_SIZE_WS:        /* BWS after the size: only before ';' */
		if (ch == ';')
			c->state = CH_EXT_NAME0;
		else if (!blank)
			return http_proto_err(e, "bad byte 0x%02x after the chunk size", (unsigned char) ch);
		return 0;
	case CH_EXT_NAME0:
		if (is_tchar((unsigned char) ch))
			c->state = CH_EXT_NAME;
		else if (!blank)
			return http_proto_err(e, "chunk extension without a name");
		return 0;
	case CH_EXT_NAME:
		if (is_tchar((unsigned char) ch))
			return 0;
		c->state = CH_EXT_AFTER_NAME;
		/* fall through */
	case CH_EXT_AFTER_NAME:
	case CH_EXT_AFTER_VAL:
		if (ch == ';')
			c->state = CH_EXT_NAME0;
		else if (ch == '=' && c->state == CH_EXT_AFTER_NAME)
			c->state = CH_EXT_VAL0;
		else if (ch == '\r')
			c->state = CH_SIZE_LF;
		else if (!blank)
			return http_proto_err(e, "bad byte 0x%02x in a chunk extension", (unsigned char) ch);
		return 0;
	case CH_EXT_VAL0:
		if (ch == '"')
			c->state = CH_EXT_QUOTED;
		else if (is_tchar((unsigned char) ch))
			c->state = CH_EXT_TOKEN;
		else if (!blank)
			return http_proto_err(e, "chunk extension without a value");
		return 0;
	case CH_EXT_TOKEN:
		if (is_tchar((unsigned char) ch))
			return 0;
		c->state = CH_EXT_AFTER_VAL;
		return chunk_ext(c, ch, e);
	case CH_EXT_QUOTED:
		if (ch == '"')
			c->state = CH_EXT_AFTER_VAL;
		else if (ch == '\\')
			c->state = CH_EXT_QUOTED_ESC;
		else if ((unsigned char) ch < 0x20 && ch != '\t')
			return http_proto_err(e, "control byte in a quoted chunk extension");
		return 0;
	case CH_EXT_QUOTED_ESC:
		c->state = CH_EXT_QUOTED;
		return 0;
	default:
		return err_setx(e, -EFAULT, BS_EXIT_INTERNAL, "chunked decoder in a bad state");
	}
}

/* The states after the size line: data, its CRLF, trailers.  Consumes from in[*ip]. */
static int chunk_rest(struct http_chunked *c, const char *in, size_t n, size_t *ip, http_emit *emit, void *ctx,
		      struct bs_err *e)
{
	size_t i = *ip;
	char ch = in[i];
	int k;

	switch (c->state) {
	case CH_SIZE_LF:
		if (ch != '\n')
			return http_proto_err(e, "chunk size line does not end in CRLF");
		i++;
		c->digits = 0;
		c->ext_len = 0;
		c->state = c->left ? CH_DATA : CH_TRAILER;
		c->trailer_len = 0;
		break;
	case CH_DATA: {
		size_t take = n - i;
		if (take > c->left)
			take = (size_t) c->left;
		k = emit(ctx, in + i, take, e);
		if (k < 0)
			return k;
		i += take;
		c->left -= take;
		if (!c->left)
			c->state = CH_DATA_CR;
		break;
	}
	case CH_DATA_CR:
		if (ch != '\r')
			return http_proto_err(e, "chunk data longer than its size");
		c->state = CH_DATA_LF;
		i++;
		break;
	case CH_DATA_LF:
		if (ch != '\n')
			return http_proto_err(e, "chunk data not followed by CRLF");
		c->state = CH_SIZE;
		i++;
		break;
	case CH_TRAILER:
		if (ch == '\r') {
			c->state = CH_TRAILER_LF;
		} else if (ch == '\n' || ++c->trailer_len > TRAILER_LINE_MAX) {
			return http_proto_err(e, "bad trailer line");
		}
		i++;
		break;
	case CH_TRAILER_LF:
		if (ch != '\n')
			return http_proto_err(e, "trailer line does not end in CRLF");
		i++;
		if (c->trailer_len == 0) {
			c->state = CH_DONE;
		} else {
			if (++c->trailers > TRAILERS_MAX)
				return http_proto_err(e, "more than %d trailer lines", TRAILERS_MAX);
			c->trailer_len = 0;
			c->state = CH_TRAILER;
		}
		break;
	default:
		return err_setx(e, -EFAULT, BS_EXIT_INTERNAL, "chunked decoder in a bad state");
	}
	*ip = i;
	return 0;
}

int http_chunked_push(struct http_chunked *c, const char *in, size_t n, size_t *used, http_emit *emit, void *ctx,
		      struct bs_err *e)
{
	size_t i = 0;
	int k;

	while (i < n && c->state != CH_DONE) {
		char ch = in[i];
		switch (c->state) {
		case CH_SIZE: {
			int h = hex_digit(ch);
			if (h >= 0) {
				if (++c->digits > 15)
					return http_proto_err(e, "chunk size too large");
				c->left = c->left * 16 + (unsigned) h;
			} else if (c->digits && (ch == ' ' || ch == '\t')) {
				c->state = CH_SIZE_WS;
			} else if (c->digits && ch == ';') {
				c->state = CH_EXT_NAME0;
			} else if (c->digits && ch == '\r') {
				c->state = CH_SIZE_LF;
			} else {
				return http_proto_err(e, "bad chunk size byte 0x%02x", (unsigned char) ch);
			}
			i++;
			break;
		}
		default:
			if (c->state >= CH_SIZE_WS && c->state <= CH_EXT_AFTER_VAL) {
				if (++c->ext_len > CHUNK_EXT_MAX)
					return http_proto_err(e, "chunk extension longer than %d bytes", CHUNK_EXT_MAX);
				k = chunk_ext(c, ch, e);
				if (k < 0)
					return k;
				i++;
				break;
			}
			k = chunk_rest(c, in, n, &i, emit, ctx, e);
			if (k < 0)
				return k;
			break;
		}
	}
	*used = i;
	return c->state == CH_DONE;
}

void http_s3_error_code(const char *body, char *buf, size_t cap)
{
	const char *p = strstr(body, "<Code>"), *q;
	buf[0] = '\0';
	if (!p)
		return;
	p += 6;
	q = strstr(p, "</Code>");
	if (!q || (size_t) (q - p) >= cap)
		return;
	memcpy(buf, p, (size_t) (q - p));
	buf[q - p] = '\0';
}
