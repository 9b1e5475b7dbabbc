/* test_pem.c: the PEM walker (CA bundles) and the base64 decoder under it.  The system
 * bundle is decoded both by pem_each and by BearSSL's PEM decoder (what tls_bearssl.c used
 * before): the same objects, byte for byte.  Then the cases a bundle can hold: comments,
 * CRLF, blanks, RFC 1421 headers, other labels, oversized and truncated objects, bad
 * base64, mismatched END labels, a callback that stops the walk. */
#include <bearssl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/pem.h"
#include "tap.h"

#define MAX_OBJ 1024

struct objs {
	size_t n;
	char label[MAX_OBJ][PEM_LABEL_MAX + 1];
	size_t len[MAX_OBJ];
	unsigned char *der[MAX_OBJ];
	int stop_at; /* the callback returns -EINTR at this object (1-based), 0: never */
};

static int collect(void *ctx, const char *label, const unsigned char *der, size_t len)
{
	struct objs *o = ctx;
	if (o->n == MAX_OBJ)
		return -E2BIG;
	snprintf(o->label[o->n], sizeof o->label[0], "%s", label);
	o->len[o->n] = len;
	o->der[o->n] = malloc(len ? len : 1);
	memcpy(o->der[o->n], der, len);
	o->n++;
	return o->stop_at && (int) o->n == o->stop_at ? -EINTR : 0;
}

static void objs_free(struct objs *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->der[i]);
	memset(o, 0, sizeof *o);
}

/* BearSSL's decoder, as the reference */
struct ref_sink {
	unsigned char buf[65536];
	size_t len;
};
static void ref_append(void *ctx, const void *p, size_t n)
{
	struct ref_sink *r = ctx;
	if (n <= sizeof r->buf - r->len) {
		memcpy(r->buf + r->len, p, n);
		r->len += n;
	}
}

static int reference(const unsigned char *in, size_t len, struct objs *o)
{
	static struct ref_sink sink;
	br_pem_decoder_context pc;
	char label[PEM_LABEL_MAX + 1] = "";
	br_pem_decoder_init(&pc);
	while (len) {
		size_t used = br_pem_decoder_push(&pc, in, len);
		in += used;
		len -= used;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			snprintf(label, sizeof label, "%s", br_pem_decoder_name(&pc));
			sink.len = 0;
			br_pem_decoder_setdest(&pc, ref_append, &sink);
			break;
		case BR_PEM_END_OBJ:
			collect(o, label, sink.buf, sink.len);
			break;
		case BR_PEM_ERROR:
			return -1;
		default:
			break;
		}
	}
	return 0;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *p;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	p = malloc((size_t) n + 1);
	*len = fread(p, 1, (size_t) n, f);
	fclose(f);
	return p;
}

static int walk(const char *text, size_t cap, struct objs *o, size_t *bad_line)
{
	static unsigned char der[65536];
	*bad_line = 0;
	return pem_each((const unsigned char *) text, strlen(text), der, cap, collect, o, bad_line);
}

int main(void)
{
	static struct objs a, b;
	size_t len = 0, bad = 0;
	unsigned char *sys = slurp("/etc/ssl/certs/ca-certificates.crt", &len), der[64], out[16];
	int k;

	/* ---- the system bundle, both decoders */
	if (sys) {
		static unsigned char buf[65536];
		k = pem_each(sys, len, buf, sizeof buf, collect, &a, &bad);
		EQ_INT(k, 0, "system bundle: walked to the end");
		OK(reference(sys, len, &b) == 0, "system bundle: BearSSL's decoder reads it too");
		OK(a.n > 50, "system bundle: %zu objects", a.n);
		EQ_INT((long long) a.n, (long long) b.n, "system bundle: as many objects as BearSSL's decoder finds");
		int same = a.n == b.n;
		for (size_t i = 0; same && i < a.n; i++)
			same = !strcmp(a.label[i], b.label[i]) && a.len[i] == b.len[i] && !memcmp(a.der[i], b.der[i], a.len[i]);
		OK(same, "system bundle: every object's label and bytes equal BearSSL's");
		objs_free(&a);
		objs_free(&b);
		free(sys);
	} else {
		OK(1, "# SKIP no /etc/ssl/certs/ca-certificates.crt");
	}

	/* ---- shapes a bundle can have: "hello world" is aGVsbG8gd29ybGQ= */
	k = walk("# comment\nIssuer: text outside objects\n-----BEGIN CERTIFICATE-----\r\n  aGVsbG8g\r\nd29y \t\r\nbGQ=\r\n"
		 "-----END CERTIFICATE-----\r\n\ntrailing text\n-----BEGIN X509 CRL-----\nYWJj\n-----END X509 CRL-----",
		 sizeof der, &a, &bad);
	EQ_INT(k, 0, "comments, CRLF, blanks, a last line without a newline: walked");
	EQ_INT((long long) a.n, 2, "two objects");
	OK(a.n == 2 && !strcmp(a.label[0], "CERTIFICATE") && a.len[0] == 11 && !memcmp(a.der[0], "hello world", 11),
	   "the first: CERTIFICATE, 'hello world' (base64 split at odd places across lines)");
	OK(a.n == 2 && !strcmp(a.label[1], "X509 CRL") && a.len[1] == 3 && !memcmp(a.der[1], "abc", 3),
	   "the second: its own label, 'abc'");
	objs_free(&a);

	k = walk("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nYWJj\n"
		 "-----END RSA PRIVATE KEY-----\n", sizeof der, &a, &bad);
	OK(k == 0 && a.n == 1 && a.len[0] == 3, "RFC 1421 header lines inside an object are skipped");
	objs_free(&a);

	k = walk("-----BEGIN CERTIFICATE-----\nYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo=\n-----END CERTIFICATE-----\n"
		 "-----BEGIN CERTIFICATE-----\nYWJj\n-----END CERTIFICATE-----\n", 16, &a, &bad);
	OK(k == 0 && a.n == 1 && a.len[0] == 3, "an object larger than the buffer is skipped, the next one is read");
	objs_free(&a);

	k = walk("-----BEGIN CERTIFICATE-----\nYWJj\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nYWJj\n", sizeof der, &a,
		 &bad);
	OK(k == 0 && a.n == 1, "an object cut off by the end of the input is ignored");
	objs_free(&a);

	k = walk("x\n-----BEGIN CERTIFICATE-----\nYW*j\n-----END CERTIFICATE-----\n", sizeof der, &a, &bad);
	OK(k == -EBADMSG && bad == 3 && a.n == 0, "bad base64: -EBADMSG on line 3 (line %zu)", bad);
	objs_free(&a);
	k = walk("-----BEGIN CERTIFICATE-----\nYQ==\nYWJj\n-----END CERTIFICATE-----\n", sizeof der, &a, &bad);
	OK(k == -EBADMSG && bad == 3, "data after the padding: -EBADMSG on line 3");
	objs_free(&a);
	k = walk("-----BEGIN CERTIFICATE-----\nYWJj\n-----END CRL-----\n", sizeof der, &a, &bad);
	OK(k == -EBADMSG && bad == 3 && a.n == 0, "END label not the BEGIN label: -EBADMSG on line 3");
	objs_free(&a);
	k = walk("-----BEGIN CERTIFICATE-----\nYWJj\n-----END CERTIFICATE\n", sizeof der, &a, &bad);
	OK(k == -EBADMSG, "END line without its closing dashes: -EBADMSG");
	objs_free(&a);
	k = walk("-----BEGIN CERTIFICATE----\nYW*j\n-----END CERTIFICATE-----\n", sizeof der, &a, &bad);
	OK(k == 0 && a.n == 0, "a BEGIN line without its closing dashes is text: what follows is not decoded");
	objs_free(&a);

	a.stop_at = 1;
	k = walk("-----BEGIN A-----\nYWJj\n-----END A-----\n-----BEGIN B-----\nYWJj\n-----END B-----\n", sizeof der, &a, &bad);
	OK(k == -EINTR && a.n == 1, "the callback's error stops the walk and is returned");
	objs_free(&a);
	k = walk("", sizeof der, &a, &bad);
	OK(k == 0 && a.n == 0, "empty input: nothing, 0");

	/* ---- base64 on its own */
	{
		struct b64 s = { 0 };
		size_t o = 0;
		OK(b64_decode(&s, (const unsigned char *) "YW", 2, out, sizeof out, &o) == 0 &&
			   b64_decode(&s, (const unsigned char *) "Jj", 2, out, sizeof out, &o) == 0 && o == 3 && !memcmp(out, "abc", 3),
		   "base64: state carried across pieces");
		s = (struct b64) { 0 };
		o = 0;
		EQ_INT(b64_decode(&s, (const unsigned char *) "YQ===", 5, out, sizeof out, &o), -EBADMSG, "base64: three '=' refused");
		s = (struct b64) { 0 };
		o = 0;
		EQ_INT(b64_decode(&s, (const unsigned char *) "YWJjZGVm", 8, out, 4, &o), -E2BIG, "base64: output full: -E2BIG");
		s = (struct b64) { 0 };
		o = 0;
		EQ_INT(b64_decode(&s, (const unsigned char *) "YW\x80j", 4, out, sizeof out, &o), -EBADMSG, "base64: a byte >= 0x80 refused");
	}
	return tap_done();
}
