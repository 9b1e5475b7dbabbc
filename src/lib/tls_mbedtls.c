/* tls_mbedtls.c: tls.h with mbedtls 2.28 (make TLS=mbedtls), the alternate backend.
 * Same contract as tls_bearssl.c: TLS 1.2, chain and host name always verified against
 * the anchors tls_common.c loads, one session at a time, certificate problems in exit
 * class 102 with the reason named.  mbedtls allocates (contexts, records); BearSSL still
 * does the hashing and RSA of the OpenPGP and SigV4 code in both builds.  Its state is in the
 * caller's struct tls (tls_ctx.h); the build defines BS_TLS_MBEDTLS=1 for every file. */
#ifndef BS_TLS_MBEDTLS
#define BS_TLS_MBEDTLS 1
#endif
#include "tls.h"

#include <errno.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#include <stdio.h>
#include <string.h>

#include "tls_backend.h"

#if !BS_TLS_MBEDTLS
#error "tls_mbedtls.c needs BS_TLS_MBEDTLS=1 in every file of the build (struct tls)"
#endif

/* TLS 1.2 suites, forward-secret AEAD only: AES-GCM first (AES-NI and PCLMUL make it the
 * fastest here; mbedtls's own order puts ChaCha20 first, which measured half the speed). */
static const int suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,       MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	0,
};

/* Certificate verification flags: the first one set names the failure. */
static const struct {
	unsigned flag;
	const char *name, *why;
} badcert[] = {
	{ MBEDTLS_X509_BADCERT_NOT_TRUSTED, "MBEDTLS_X509_BADCERT_NOT_TRUSTED", "chain could not be linked to a trust anchor" },
	{ MBEDTLS_X509_BADCERT_CN_MISMATCH, "MBEDTLS_X509_BADCERT_CN_MISMATCH", "certificate does not match the host name" },
	{ MBEDTLS_X509_BADCERT_EXPIRED, "MBEDTLS_X509_BADCERT_EXPIRED", "certificate expired or not yet valid" },
	{ MBEDTLS_X509_BADCERT_FUTURE, "MBEDTLS_X509_BADCERT_FUTURE", "certificate expired or not yet valid" },
	{ MBEDTLS_X509_BADCERT_KEY_USAGE, "MBEDTLS_X509_BADCERT_KEY_USAGE", "key usage forbids this use" },
	{ MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, "MBEDTLS_X509_BADCERT_EXT_KEY_USAGE", "key usage forbids this use" },
	{ MBEDTLS_X509_BADCERT_BAD_KEY, "MBEDTLS_X509_BADCERT_BAD_KEY", "public key too small or of an unacceptable kind" },
	{ MBEDTLS_X509_BADCERT_BAD_MD, "MBEDTLS_X509_BADCERT_BAD_MD", "certificate signed with an unacceptable hash" },
	{ MBEDTLS_X509_BADCERT_BAD_PK, "MBEDTLS_X509_BADCERT_BAD_PK", "certificate signed with an unacceptable algorithm" },
	{ MBEDTLS_X509_BADCERT_MISSING, "MBEDTLS_X509_BADCERT_MISSING", "the server sent no certificate" },
};

const char *tls_library(void)
{
	return MBEDTLS_VERSION_STRING_FULL;
}

const char *tls_error_name(int err)
{
	static char buf[200];
	char text[120];
	mbedtls_strerror(err, text, sizeof text);
	(void) snprintf(buf, sizeof buf, "mbedtls -0x%04x (%s)", (unsigned) -err, text);
	return buf;
}

int tls_backend_add_anchor(struct tls *t, const unsigned char *der, size_t len)
{
	int k;
	if (!t->anchors_init) {
		mbedtls_x509_crt_init(&t->anchors);
		t->anchors_init = true;
	}
	k = mbedtls_x509_crt_parse_der(&t->anchors, der, len);
	if (k == MBEDTLS_ERR_X509_ALLOC_FAILED)
		return -E2BIG;
	return k == 0 ? 0 : -EBADMSG;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	int w = tls_io_write(ctx, buf, len);
	return w > 0 ? w : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls *t = ctx;
	int r = tls_io_read(t, buf, len);
	if (r > 0)
		return r;
	return t->io.eof ? 0 : MBEDTLS_ERR_NET_RECV_FAILED; /* 0: the peer closed the socket */
}

/* Turn a failed mbedtls call's code k into an error. */
static int fail(struct tls *t, struct bs_err *e, const char *what, int k)
{
	int io = tls_io_fail(t, e, what);

	if (io < 0)
		return io;
	if (k == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		uint32_t flags = mbedtls_ssl_get_verify_result(&t->ssl);
		for (size_t i = 0; i < sizeof badcert / sizeof badcert[0]; i++)
			if (flags & badcert[i].flag)
				return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "TLS %s: certificate verification failed: %s (%s)", what,
						badcert[i].name, badcert[i].why);
		return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "TLS %s: certificate verification failed: flags 0x%x", what,
				(unsigned) flags);
	}
	if (t->io.eof || k == MBEDTLS_ERR_SSL_CONN_EOF || k == 0)
		return err_set(e, -ECONNRESET, "TLS %s: the server closed the connection", what);
	return err_set(e, -EPROTO, "TLS %s: %s", what, tls_error_name(k));
}

int tls_open(struct tls *t, int fd, const char *host, int io_timeout_ms, struct bs_err *e)
{
	static const char pers[] = "ecs-bootstrap";
	int k;

	if (!tls_trust_loaded(t) || !t->anchors_init)
		return err_setx(e, -EINVAL, BS_EXIT_INTERNAL, "TLS: trust anchors not loaded");
	if (!t->seeded) {
		mbedtls_entropy_init(&t->entropy);
		mbedtls_ctr_drbg_init(&t->drbg);
		k = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy, (const unsigned char *) pers, sizeof pers - 1);
		if (k != 0)
			return err_setx(e, -EIO, BS_EXIT_INTERNAL, "TLS: seeding the random generator: %s", tls_error_name(k));
		t->seeded = true;
	}
	tls_close(t);
	t->io.fd = fd;
	t->io.timeout_ms = io_timeout_ms;
	mbedtls_ssl_config_init(&t->conf);
	mbedtls_ssl_init(&t->ssl);
	t->in_session = true;
	k = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
	if (k != 0)
		return fail(t, e, "setup", k);
	mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(&t->conf, &t->anchors, NULL);
	mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
	mbedtls_ssl_conf_ciphersuites(&t->conf, suites);
	mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 */
	mbedtls_ssl_conf_max_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	k = mbedtls_ssl_setup(&t->ssl, &t->conf);
	if (k == 0)
		k = mbedtls_ssl_set_hostname(&t->ssl, host); /* SNI and the name the certificate must carry */
	if (k != 0)
		return fail(t, e, "setup", k);
	mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
	while ((k = mbedtls_ssl_handshake(&t->ssl)) != 0)
		if (k != MBEDTLS_ERR_SSL_WANT_READ && k != MBEDTLS_ERR_SSL_WANT_WRITE)
			return fail(t, e, "handshake", k);
	return 0;
}

ssize_t tls_read(struct tls *t, void *buf, size_t n, struct bs_err *e)
{
	for (;;) {
		int r = mbedtls_ssl_read(&t->ssl, buf, n);
		if (r > 0)
			return r;
		if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
			return 0;
		if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		return fail(t, e, "read", r); /* 0: closed without close_notify, a truncation */
	}
}

int tls_write_all(struct tls *t, const void *buf, size_t n, struct bs_err *e)
{
	const unsigned char *p = buf;
	while (n) {
		int w = mbedtls_ssl_write(&t->ssl, p, n);
		if (w == MBEDTLS_ERR_SSL_WANT_READ || w == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (w <= 0)
			return fail(t, e, "write", w);
		p += w;
		n -= (size_t) w;
	}
	return 0;
}

void tls_close(struct tls *t)
{
	/* No close_notify: the HTTP layer knows where each body ends, and the socket is closed next. */
	if (t->in_session) {
		mbedtls_ssl_free(&t->ssl);
		mbedtls_ssl_config_free(&t->conf);
		t->in_session = false;
	}
	memset(&t->io, 0, sizeof t->io);
}
