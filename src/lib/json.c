/* json.c: see json.h. */
/* The jsmn implementation is compiled once, here: include it before json.h (whose
 * JSMN_HEADER include would otherwise claim jsmn's include guard first). */
#include <jsmn.h>

#include "json.h"

#include <errno.h>
#include <string.h>

#include "hex.h"

int json_parse(struct json *j, const char *js, size_t len, jsmntok_t *toks, unsigned max, struct bs_err *e)
{
	jsmn_parser p;
	int n;

	jsmn_init(&p);
	n = jsmn_parse(&p, js, len, toks, max);
	if (n == JSMN_ERROR_NOMEM)
		return err_set(e, -E2BIG, "JSON document has more than %u tokens", max);
	if (n < 0)
		return err_set(e, -EBADMSG, "not valid JSON (%s)", n == JSMN_ERROR_PART ? "truncated" : "bad character");
	if (n == 0)
		return err_set(e, -EBADMSG, "empty JSON document");
	j->js = js;
	j->len = len;
	j->tok = toks;
	j->n = n;
	return 0;
}

int json_skip(const struct json *j, int i)
{
	int pending = 1;
	while (pending > 0 && i < j->n) {
		pending += j->tok[i].size - 1;
		i++;
	}
	return i;
}

int json_get(const struct json *j, int obj, const char *key)
{
	size_t kl = strlen(key);
	int i;

	if (obj < 0 || obj >= j->n || j->tok[obj].type != JSMN_OBJECT)
		return -1;
	i = obj + 1;
	for (int k = 0; k < j->tok[obj].size && i < j->n; k++) {
		const jsmntok_t *t = &j->tok[i];
		if (t->type == JSMN_STRING && (size_t) (t->end - t->start) == kl && !memcmp(j->js + t->start, key, kl))
			return i + 1 < j->n ? i + 1 : -1;
		i = json_skip(j, i + 1);
	}
	return -1;
}

static int hex4(const char *p, unsigned *ret)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = hex_digit(c);
		if (d < 0)
			return -EINVAL;
		v = v << 4 | (unsigned) d;
	}
	*ret = v;
	return 0;
}

static size_t utf8(unsigned cp, char *o)
{
	if (cp < 0x80) { o[0] = (char) cp; return 1; }
	if (cp < 0x800) { o[0] = (char) (0xC0 | (cp >> 6)); o[1] = (char) (0x80 | (cp & 0x3F)); return 2; }
	if (cp < 0x10000) {
		o[0] = (char) (0xE0 | (cp >> 12)); o[1] = (char) (0x80 | ((cp >> 6) & 0x3F)); o[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char) (0xF0 | (cp >> 18)); o[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char) (0x80 | ((cp >> 6) & 0x3F)); o[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

int json_string(const struct json *j, int tok, char *buf, size_t cap)
{
	const jsmntok_t *t;
	size_t o = 0;

	if (tok < 0 || tok >= j->n || j->tok[tok].type != JSMN_STRING || cap == 0)
		return -EINVAL;
	t = &j->tok[tok];
	for (int i = t->start; i < t->end; i++) {
		char c = j->js[i], tmp[4];
		size_t n = 1;
		if (c == '\\') {
			if (++i >= t->end)
				return -EINVAL;
			switch (j->js[i]) {
			case '"': tmp[0] = '"'; break;
			case '\\': tmp[0] = '\\'; break;
			case '/': tmp[0] = '/'; break;
			case 'b': tmp[0] = '\b'; break;
			case 'f': tmp[0] = '\f'; break;
			case 'n': tmp[0] = '\n'; break;
			case 'r': tmp[0] = '\r'; break;
			case 't': tmp[0] = '\t'; break;
			case 'u': {
				unsigned cp, lo;
				if (i + 4 >= t->end || hex4(j->js + i + 1, &cp) < 0)
					return -EINVAL;
				i += 4;
				if (cp >= 0xD800 && cp <= 0xDBFF) { /* a surrogate pair */
					if (i + 6 >= t->end || j->js[i + 1] != '\\' || j->js[i + 2] != 'u' ||
					    hex4(j->js + i + 3, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
						return -EINVAL;
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
					return -EINVAL;
				}
				n = utf8(cp, tmp);
				break;
			}
			default:
				return -EINVAL;
			}
		} else {
			tmp[0] = c;
		}
		if (o + n >= cap)
			return -E2BIG;
		memcpy(buf + o, tmp, n);
		o += n;
	}
	buf[o] = '\0';
	return (int) o;
}

int json_get_string(const struct json *j, int obj, const char *key, char *buf, size_t cap)
{
	int t = json_get(j, obj, key);
	return t < 0 ? -ENOENT : json_string(j, t, buf, cap);
}

bool json_is_true(const struct json *j, int tok)
{
	return tok >= 0 && tok < j->n && j->tok[tok].type == JSMN_PRIMITIVE && j->tok[tok].end - j->tok[tok].start == 4 &&
	       !memcmp(j->js + j->tok[tok].start, "true", 4);
}

int json_int(const struct json *j, int tok, long long *ret)
{
	long long v = 0;
	int i, sign = 1;
	if (tok < 0 || tok >= j->n || j->tok[tok].type != JSMN_PRIMITIVE)
		return -EINVAL;
	i = j->tok[tok].start;
	if (j->js[i] == '-')
		sign = -1, i++;
	if (i >= j->tok[tok].end)
		return -EINVAL;
	for (; i < j->tok[tok].end; i++) {
		if (j->js[i] < '0' || j->js[i] > '9' || v > 100000000000000000LL)
			return -EINVAL;
		v = v * 10 + (j->js[i] - '0');
	}
	*ret = sign * v;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (1-4, within n bytes), or 0: no overlong forms,
 * no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		return n >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		return n >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

void json_escape(const char *s, size_t n, void (*out)(void *ctx, const char *p, size_t len), void *ctx)
{
	const unsigned char *p = (const unsigned char *) s, *end = p + n;

	out(ctx, "\"", 1);
	while (p < end) {
		size_t k = utf8_len(p, (size_t) (end - p));
		char esc[8];
		if (*p == '"' || *p == '\\')
			esc[0] = '\\', esc[1] = (char) *p, out(ctx, esc, 2);
		else if (*p == '\n')
			out(ctx, "\\n", 2);
		else if (*p == '\t')
			out(ctx, "\\t", 2);
		else if (*p < 0x20 || *p == 0x7f)
			(void) snprintf(esc, sizeof esc, "\\u%04x", *p), out(ctx, esc, 6);
		else if (k == 0)
			out(ctx, "\\ufffd", 6);
		else
			out(ctx, (const char *) p, k);
		p += k ? k : 1;
	}
	out(ctx, "\"", 1);
}

static void to_file(void *ctx, const char *p, size_t len)
{
	(void) fwrite(p, 1, len, (FILE *) ctx);
}

void json_write_string(FILE *f, const char *s)
{
	if (!s)
		fputs("null", f);
	else
		json_escape(s, strlen(s), to_file, f);
}
