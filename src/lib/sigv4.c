/* sigv4.c: see sigv4.h. */
#include "sigv4.h"

#include <bearssl_hash.h>
#include <bearssl_hmac.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "hex.h"
#include "sha256.h"
#include "strbuf.h"

int sigv4_uri_encode(const char *s, size_t n, bool keep_slash, char *out, size_t cap, size_t *ret_len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) s[i];
		bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			    c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
		if (o + 4 > cap)
			return -E2BIG;
		if (keep) {
			out[o++] = (char) c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= cap)
		return -E2BIG;
	out[o] = '\0';
	*ret_len = o;
	return 0;
}

/* Percent-decode s[0..n) into out; a '%' not followed by two hex digits stays literal. */
static size_t decode(const char *s, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
			out[o++] = (char) (hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* Decode then encode a piece: the canonical form of a path or query element. */
static int canon_piece(const char *s, size_t n, bool keep_slash, char *out, size_t cap, size_t *ret_len)
{
	char tmp[4096];
	if (n > sizeof tmp)
		return -E2BIG;
	return sigv4_uri_encode(tmp, decode(s, n, tmp), keep_slash, out, cap, ret_len);
}

struct param {
	char kv[1024]; /* "key=value", canonical */
	size_t klen;   /* length of the key part, for sorting by key first */
};

static int cmp_param(const void *a, const void *b)
{
	const struct param *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->kv, y->kv, n);
	if (c)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return strcmp(x->kv + x->klen, y->kv + y->klen);
}

static int canon_query(const char *q, struct strbuf *b)
{
	static struct param ps[64];
	size_t n = 0;

	while (*q) {
		size_t len = strcspn(q, "&"), kl, vl;
		const char *eq = memchr(q, '=', len);
		size_t kraw = eq ? (size_t) (eq - q) : len;
		if (len) {
			if (n == sizeof ps / sizeof ps[0])
				return -E2BIG;
			if (canon_piece(q, kraw, false, ps[n].kv, sizeof ps[n].kv - 2, &kl) < 0)
				return -E2BIG;
			ps[n].kv[kl] = '=';
			if (canon_piece(eq ? eq + 1 : "", eq ? len - kraw - 1 : 0, false, ps[n].kv + kl + 1,
					sizeof ps[n].kv - kl - 1, &vl) < 0)
				return -E2BIG;
			ps[n].klen = kl;
			n++;
		}
		q += len + (q[len] == '&');
	}
	qsort(ps, n, sizeof ps[0], cmp_param);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_puts(b, "&");
		strbuf_puts(b, ps[i].kv);
	}
	return 0;
}

struct hdr {
	char name[128];
	const char *vals[8];
	size_t n_vals;
};

static int cmp_hdr(const void *a, const void *b)
{
	return strcmp(((const struct hdr *) a)->name, ((const struct hdr *) b)->name);
}

/* Trim and collapse runs of white space (including folded line breaks) to one space. */
static void put_value(struct strbuf *b, const char *v)
{
	bool space = false, started = false;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') {
			space = started;
			continue;
		}
		if (space)
			strbuf_put(b, " ", 1);
		strbuf_put(b, v, 1);
		space = false;
		started = true;
	}
}

static void hmac(const void *key, size_t kn, const void *msg, size_t mn, unsigned char out[32])
{
	br_hmac_key_context kc;
	br_hmac_context hc;
	br_hmac_key_init(&kc, &br_sha256_vtable, key, kn);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, mn);
	br_hmac_out(&hc, out);
}

static void hexify(const unsigned char *d, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int sigv4_sign(const struct sigv4_req *q, struct sigv4_out *o, struct bs_err *e)
{
	static struct hdr hs[SIGV4_MAX_HEADERS + 1];
	struct strbuf cr = { o->creq, 0, sizeof o->creq, false }, sh = { o->signed_headers, 0, sizeof o->signed_headers, false };
	struct strbuf st = { o->sts, 0, sizeof o->sts, false };
	char path[4096], key[256], scope[128], crhash[65], date[9];
	unsigned char k[32];
	size_t n = 0, pl;
	struct sha256_ctx h;
	int r;

	o->creq[0] = o->sts[0] = o->signed_headers[0] = '\0';
	if (strlen(q->amz_date) != 16)
		return err_set(e, -EINVAL, "SigV4: bad X-Amz-Date '%s'", q->amz_date);
	memcpy(date, q->amz_date, 8);
	date[8] = '\0';
	/* headers: lowercase names, group repeats, sort */
	for (size_t i = 0; i < q->n_headers + (q->session_token ? 1 : 0); i++) {
		const char *name = i < q->n_headers ? q->headers[i].name : "x-amz-security-token";
		const char *val = i < q->n_headers ? q->headers[i].value : q->session_token;
		size_t j, nl = strlen(name);
		if (nl >= sizeof hs[0].name)
			return err_set(e, -E2BIG, "SigV4: header name too long");
		char lower[128];
		for (j = 0; j < nl; j++)
			lower[j] = (char) ((name[j] >= 'A' && name[j] <= 'Z') ? name[j] + 32 : name[j]);
		lower[nl] = '\0';
		for (j = 0; j < n && strcmp(hs[j].name, lower) != 0; j++)
			;
		if (j == n) {
			if (n == SIGV4_MAX_HEADERS)
				return err_set(e, -E2BIG, "SigV4: more than %d headers", SIGV4_MAX_HEADERS);
			memcpy(hs[n].name, lower, nl + 1);
			hs[n++].n_vals = 0;
		}
		if (hs[j].n_vals == sizeof hs[j].vals / sizeof hs[j].vals[0])
			return err_set(e, -E2BIG, "SigV4: header %s repeated too often", lower);
		hs[j].vals[hs[j].n_vals++] = val;
	}
	qsort(hs, n, sizeof hs[0], cmp_hdr);

	strbuf_puts(&cr, q->method);
	strbuf_puts(&cr, "\n");
	r = canon_piece(q->path, strlen(q->path), true, path, sizeof path, &pl);
	if (r < 0)
		return err_set(e, -E2BIG, "SigV4: path too long");
	strbuf_puts(&cr, pl ? path : "/");
	strbuf_puts(&cr, "\n");
	if (canon_query(q->query ? q->query : "", &cr) < 0)
		return err_set(e, -E2BIG, "SigV4: query too long or too many parameters");
	strbuf_puts(&cr, "\n");
	for (size_t i = 0; i < n; i++) {
		strbuf_puts(&cr, hs[i].name);
		strbuf_puts(&cr, ":");
		for (size_t v = 0; v < hs[i].n_vals; v++) {
			if (v)
				strbuf_puts(&cr, ",");
			put_value(&cr, hs[i].vals[v]);
		}
		strbuf_puts(&cr, "\n");
		if (i)
			strbuf_puts(&sh, ";");
		strbuf_puts(&sh, hs[i].name);
	}
	strbuf_puts(&cr, "\n");
	strbuf_puts(&cr, o->signed_headers);
	strbuf_puts(&cr, "\n");
	strbuf_puts(&cr, q->payload_hash);
	if (cr.over || sh.over)
		return err_set(e, -E2BIG, "SigV4: canonical request too long");

	sha256_init(&h);
	sha256_update(&h, o->creq, cr.len);
	sha256_hex(&h, crhash);
	(void) snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", date, q->region, q->service);
	strbuf_puts(&st, "AWS4-HMAC-SHA256\n");
	strbuf_puts(&st, q->amz_date);
	strbuf_puts(&st, "\n");
	strbuf_puts(&st, scope);
	strbuf_puts(&st, "\n");
	strbuf_puts(&st, crhash);
	if (st.over)
		return err_set(e, -E2BIG, "SigV4: string to sign too long");

	if (snprintf(key, sizeof key, "AWS4%s", q->secret_key) >= (int) sizeof key)
		return err_set(e, -E2BIG, "SigV4: secret key too long");
	hmac(key, strlen(key), date, 8, k);
	hmac(k, 32, q->region, strlen(q->region), k);
	hmac(k, 32, q->service, strlen(q->service), k);
	hmac(k, 32, "aws4_request", 12, k);
	hmac(k, 32, o->sts, st.len, k);
	hexify(k, 32, o->signature);
	explicit_bzero(key, sizeof key);
	if (snprintf(o->authorization, sizeof o->authorization,
		     "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s", q->access_key, scope,
		     o->signed_headers, o->signature) >= (int) sizeof o->authorization)
		return err_set(e, -E2BIG, "SigV4: Authorization header too long");
	return 0;
}

void sigv4_amz_date(long long t, char buf[17])
{
	char s[21];
	clock_utc(t, true, s); /* 16 characters, or "?" out of range */
	memcpy(buf, s[0] == '?' ? "19700101T000000Z" : s, 17);
}
