/* tls_bearssl.c: tls.h with BearSSL (the default backend).  No heap: the contexts, the I/O
 * buffer and the trust-anchor arena are in the caller's struct tls (tls_ctx.h).  Trust-anchor
 * sources and socket I/O: tls_common.c. */
#include "tls.h"

#include <bearssl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "br_errors.h" /* generated: BR_ERR_* names */
#include "chacha20.h"
#include "tls_backend.h"

#ifndef BS_BEARSSL_VERSION
#define BS_BEARSSL_VERSION "unknown"
#endif

#if BS_TLS_MBEDTLS
#error "tls_bearssl.c is the BearSSL backend: build without BS_TLS_MBEDTLS"
#endif

static const struct {
	int code;
	const char *why;
} explain[] = {
	{ BR_ERR_X509_NOT_TRUSTED, "chain could not be linked to a trust anchor" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "certificate does not match the host name" },
	{ BR_ERR_X509_EXPIRED, "certificate expired or not yet valid" },
	{ BR_ERR_X509_CRITICAL_EXTENSION, "unsupported critical extension in a certificate" },
	{ BR_ERR_X509_NOT_CA, "a certificate in the chain is not a CA" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, "key usage forbids this use" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, "public key too small" },
	{ BR_ERR_X509_BAD_SIGNATURE, "certificate signature does not verify" },
	{ BR_ERR_RECV_FATAL_ALERT, "the server sent a fatal alert" },
	{ BR_ERR_SEND_FATAL_ALERT, "we sent a fatal alert" },
	{ BR_ERR_IO, "the connection failed or was closed" },
	{ BR_ERR_BAD_VERSION, "unsupported TLS version (TLS 1.2 is required)" },
	{ BR_ERR_BAD_CIPHER_SUITE, "no common cipher suite" },
	{ BR_ERR_UNEXPECTED, "unexpected message from the server" },
};

const char *tls_library(void)
{
	return "BearSSL " BS_BEARSSL_VERSION;
}

const char *tls_error_name(int err)
{
	static char buf[160];
	const char *name = "BR_ERR_UNKNOWN", *why = "";

	for (size_t i = 0; i < sizeof br_error_names / sizeof br_error_names[0]; i++)
		if (br_error_names[i].code == err)
			name = br_error_names[i].name;
	for (size_t i = 0; i < sizeof explain / sizeof explain[0]; i++)
		if (explain[i].code == err)
			why = explain[i].why;
	if (err >= BR_ERR_SEND_FATAL_ALERT)
		name = "BR_ERR_SEND_FATAL_ALERT", why = "we sent a fatal alert";
	else if (err >= BR_ERR_RECV_FATAL_ALERT)
		name = "BR_ERR_RECV_FATAL_ALERT", why = "the server sent a fatal alert";
	(void) snprintf(buf, sizeof buf, "%s%s%s%s (%d)", name, *why ? " (" : "", why, *why ? ")" : "", err);
	return buf;
}

/* ---- trust anchors */

struct dn_sink {
	unsigned char *p;
	size_t len, cap;
	bool overflow;
};

static void dn_append(void *ctx, const void *buf, size_t len)
{
	struct dn_sink *d = ctx;
	if (len > d->cap - d->len) {
		d->overflow = true;
		return;
	}
	memcpy(d->p + d->len, buf, len);
	d->len += len;
}

static unsigned char *arena_copy(struct tls *t, const void *p, size_t n)
{
	unsigned char *r;
	if (n > TLS_TA_ARENA - t->arena_used)
		return NULL;
	r = t->arena + t->arena_used;
	memcpy(r, p, n);
	t->arena_used += n;
	return r;
}

int tls_backend_add_anchor(struct tls *t, const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	struct dn_sink dn = { .p = t->arena + t->arena_used, .cap = TLS_TA_ARENA - t->arena_used };
	br_x509_trust_anchor *ta;
	const br_x509_pkey *pk;

	if (t->n_tas == TLS_ANCHORS_MAX)
		return -E2BIG;
	br_x509_decoder_init(&dc, dn_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk)
		return -EBADMSG;
	if (dn.overflow)
		return -E2BIG;
	ta = &t->tas[t->n_tas];
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	t->arena_used += dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = arena_copy(t, pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = arena_copy(t, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		if (!ta->pkey.key.rsa.n || !ta->pkey.key.rsa.e)
			return -E2BIG;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = arena_copy(t, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		if (!ta->pkey.key.ec.q)
			return -E2BIG;
	} else {
		return -EBADMSG;
	}
	t->n_tas++;
	return 0;
}

/* ---- the session */

static int low_read(void *ctx, unsigned char *buf, size_t len)
{
	return tls_io_read(ctx, buf, len);
}

static int low_write(void *ctx, const unsigned char *buf, size_t len)
{
	return tls_io_write(ctx, buf, len);
}

/* Turn the state after a failed br_sslio call into an error. */
static int fail(struct tls *t, struct bs_err *e, const char *what)
{
	int br = br_ssl_engine_last_error(&t->sc.eng), k = tls_io_fail(t, e, what);

	if (k < 0)
		return k;
	if (t->io.eof && (br == BR_ERR_OK || br == BR_ERR_IO))
		return err_set(e, -ECONNRESET, "TLS %s: the server closed the connection", what);
	if (br >= BR_ERR_X509_OK && br < BR_ERR_RECV_FATAL_ALERT && br != BR_ERR_X509_OK)
		return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "TLS %s: certificate verification failed: %s", what,
				tls_error_name(br));
	return err_set(e, -EPROTO, "TLS %s: %s", what, tls_error_name(br));
}

/* The client profile: TLS 1.2, ECDHE (RSA or ECDSA certificates) with AES-GCM or
 * ChaCha20-Poly1305 (AES-GCM first where the processor has AES-NI, as it is faster there;
 * ChaCha20 first elsewhere); certificates signed with SHA-1 to SHA-512.  Every AWS endpoint
 * offers these.  What br_ssl_client_init_full adds on top (CBC and 3DES, CCM, RSA and static
 * ECDH key exchange, TLS 1.0/1.1, MD5 and SHA-224) is left out: smaller, and nothing older
 * than an AEAD suite can be negotiated. */
static void client_init(struct tls *t)
{
	/* six suites: the first six (ChaCha20 first) or the last six (AES-GCM first) */
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	};
	static const struct { int id; const br_hash_class *vt; } hashes[] = {
		{ br_sha1_ID, &br_sha1_vtable }, { br_sha256_ID, &br_sha256_vtable },
		{ br_sha384_ID, &br_sha384_vtable }, { br_sha512_ID, &br_sha512_vtable },
	};
	br_ssl_client_context *cc = &t->sc;
	bool aesni = br_aes_x86ni_ctr_get_vtable() != NULL;

	br_ssl_client_zero(cc);
	br_ssl_engine_set_versions(&cc->eng, BR_TLS12, BR_TLS12);
	br_x509_minimal_init(&t->xc, &br_sha256_vtable, t->tas, t->n_tas);
	br_ssl_engine_set_suites(&cc->eng, suites + (aesni ? 2 : 0), 6);
	br_ssl_engine_set_default_rsavrfy(&cc->eng);
	br_ssl_engine_set_default_ecdsa(&cc->eng);
	br_x509_minimal_set_rsa(&t->xc, br_ssl_engine_get_rsavrfy(&cc->eng));
	br_x509_minimal_set_ecdsa(&t->xc, br_ssl_engine_get_ec(&cc->eng), br_ssl_engine_get_ecdsa(&cc->eng));
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		br_ssl_engine_set_hash(&cc->eng, hashes[i].id, hashes[i].vt);
		br_x509_minimal_set_hash(&t->xc, hashes[i].id, hashes[i].vt);
	}
	br_ssl_engine_set_x509(&cc->eng, &t->xc.vtable);
	br_ssl_engine_set_prf_sha256(&cc->eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(&cc->eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(&cc->eng);
	br_ssl_engine_set_default_chapol(&cc->eng);
	br_ssl_engine_set_chacha20(&cc->eng, bs_chacha20_run); /* several blocks at a time: chacha20.h */
	br_ssl_engine_set_poly1305(&cc->eng, bs_poly1305_run);
}

int tls_open(struct tls *t, int fd, const char *host, int io_timeout_ms, struct bs_err *e)
{
	if (!tls_trust_loaded(t))
		return err_setx(e, -EINVAL, BS_EXIT_INTERNAL, "TLS: trust anchors not loaded");
	memset(&t->io, 0, sizeof t->io);
	t->io.fd = fd;
	t->io.timeout_ms = io_timeout_ms;
	client_init(t);
	br_ssl_engine_set_buffer(&t->sc.eng, t->iobuf, sizeof t->iobuf, 1);
	if (!br_ssl_client_reset(&t->sc, host, 0))
		return fail(t, e, "setup");
	br_sslio_init(&t->ioc, &t->sc.eng, low_read, t, low_write, t);
	/* Flushing an empty buffer runs the handshake to completion (or failure). */
	if (br_sslio_flush(&t->ioc) < 0)
		return fail(t, e, "handshake");
	return 0;
}

ssize_t tls_read(struct tls *t, void *buf, size_t n, struct bs_err *e)
{
	int r = br_sslio_read(&t->ioc, buf, n);
	if (r > 0)
		return r;
	if (br_ssl_engine_current_state(&t->sc.eng) == BR_SSL_CLOSED && br_ssl_engine_last_error(&t->sc.eng) == BR_ERR_OK &&
	    !t->io.eof && !t->io.err)
		return 0; /* close_notify */
	return fail(t, e, "read");
}

int tls_write_all(struct tls *t, const void *buf, size_t n, struct bs_err *e)
{
	if (br_sslio_write_all(&t->ioc, buf, n) < 0 || br_sslio_flush(&t->ioc) < 0)
		return fail(t, e, "write");
	return 0;
}

void tls_close(struct tls *t)
{
	/* No close_notify: the HTTP layer knows where each body ends, and the socket is closed next. */
	memset(&t->io, 0, sizeof t->io);
}
