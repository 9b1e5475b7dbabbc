/* tls_bearssl.c: tls.h with BearSSL.  Contexts, I/O buffer and the trust-anchor arena are
 * static (one session at a time, see tls.h); the heap holds only a CA bundle while it is
 * read. */
#include "tls.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "br_errors.h"  /* generated: BR_ERR_* names */
#include "conn.h"
#include "fileio.h"
#include "pem.h"
#include "trust_anchors.h"  /* generated: embedded Amazon roots (DER) */

#define TA_MAX 512                  /* anchors from all sources */
#define TA_ARENA (1024UL * 1024)      /* their names and keys */
#define CERT_DER_MAX (16UL * 1024)    /* one certificate in a bundle */
#define BUNDLE_MAX (8UL * 1024 * 1024) /* a PEM bundle we are willing to read */

static br_x509_trust_anchor tas[TA_MAX];
static size_t n_tas;
static unsigned char arena[TA_ARENA];
static size_t arena_used;
static bool loaded;

static br_ssl_client_context sc;
static br_x509_minimal_context xc;
static unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
static br_sslio_context ioc;

/* What the socket callbacks saw, so a failure is reported as what it was. */
static struct {
	int fd;
	int timeout_ms;
	int err; /* -errno from the socket, or -ETIMEDOUT */
	bool eof;
} io;

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

static unsigned char *arena_copy(const void *p, size_t n)
{
	unsigned char *r;
	if (n > TA_ARENA - arena_used)
		return NULL;
	r = arena + arena_used;
	memcpy(r, p, n);
	arena_used += n;
	return r;
}

/* Add one DER certificate as a trust anchor.  0, -E2BIG (limits) or -EBADMSG (not a certificate). */
static int add_der(const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	struct dn_sink dn = { .p = arena + arena_used, .cap = TA_ARENA - arena_used };
	br_x509_trust_anchor *ta;
	const br_x509_pkey *pk;

	if (n_tas == TA_MAX)
		return -E2BIG;
	br_x509_decoder_init(&dc, dn_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk)
		return -EBADMSG;
	if (dn.overflow)
		return -E2BIG;
	ta = &tas[n_tas];
	ta->dn.data = dn.p;
	ta->dn.len = dn.len;
	arena_used += dn.len;
	ta->flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = arena_copy(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = arena_copy(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		if (!ta->pkey.key.rsa.n || !ta->pkey.key.rsa.e)
			return -E2BIG;
	} else if (pk->key_type == BR_KEYTYPE_EC) {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = arena_copy(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		if (!ta->pkey.key.ec.q)
			return -E2BIG;
	} else {
		return -EBADMSG;
	}
	n_tas++;
	return 0;
}

struct bundle_walk {
	int added;
	bool full;
};

static int bundle_object(void *ctx, const char *label, const unsigned char *der, size_t len)
{
	struct bundle_walk *w = ctx;
	int k;

	if (strcmp(label, "CERTIFICATE") != 0)
		return 0; /* TRUSTED CERTIFICATE, keys, CRLs: not anchors */
	k = add_der(der, len);
	if (k == -E2BIG) {
		w->full = true;
		return k;
	}
	w->added += k == 0; /* an undecodable certificate is skipped, like OpenSSL does */
	return 0;
}

/* Read a PEM bundle; every CERTIFICATE becomes an anchor (others are skipped). */
static int load_bundle(int dirfd, const char *path, struct bs_err *e)
{
	static unsigned char der[CERT_DER_MAX];
	struct bundle_walk w = { 0 };
	unsigned char *text = NULL;
	size_t got = 0, bad_line = 0;
	struct stat st;
	int fd = fileio_open(dirfd, path, O_RDONLY | O_NOCTTY, 0), k;

	if (fd < 0)
		return err_set(e, fd, "CA bundle '%s': %s", path, strerror(-fd));
	if (fstat(fd, &st) < 0) {
		k = err_set(e, -errno, "CA bundle '%s': %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size > (off_t) BUNDLE_MAX) {
		k = err_set(e, -E2BIG, "CA bundle '%s': larger than %lu bytes", path, BUNDLE_MAX);
		goto out;
	}
	text = malloc((size_t) st.st_size + 1);
	if (!text) {
		k = err_set(e, -ENOMEM, "CA bundle '%s': no memory for %lld bytes", path, (long long) st.st_size);
		goto out;
	}
	while (got < (size_t) st.st_size) { /* a file that shrinks meanwhile is read as far as it goes */
		ssize_t n = read(fd, text + got, (size_t) st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			k = err_set(e, -errno, "CA bundle '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t) n;
	}
	k = pem_each(text, got, der, sizeof der, bundle_object, &w, &bad_line);
	if (k == -EBADMSG)
		k = err_set(e, k, "CA bundle '%s': bad PEM on line %zu", path, bad_line);
	else if (w.full)
		k = err_set(e, -E2BIG, "CA bundle '%s': more anchors than the limit of %d", path, TA_MAX);
	else
		k = w.added;
out:
	free(text);
	(void) close(fd);
	return k;
}

int tls_trust_load(int root_fd, struct bs_err *e)
{
	static const char *const system_bundles[] = {
		"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Amazon Linux 2023 symlink */
		"/etc/pki/tls/certs/ca-bundle.crt",   /* RHEL, Amazon Linux 2 */
		"/etc/ssl/cert.pem",                  /* Alpine */
	};
	const char *env = getenv("SSL_CERT_FILE");
	int k;

	if (loaded)
		return (int) n_tas;
	for (size_t i = 0; i < sizeof embedded_tas / sizeof embedded_tas[0]; i++) {
		k = add_der(embedded_tas[i].der, embedded_tas[i].len);
		if (k < 0)
			return err_setx(e, k, BS_EXIT_INTERNAL, "embedded trust anchor %s does not decode", embedded_tas[i].name);
	}
	if (env && *env) {
		k = load_bundle(AT_FDCWD, env, e);
		if (k < 0)
			return err_wrap(e, "SSL_CERT_FILE");
	} else {
		for (size_t i = 0; i < sizeof system_bundles / sizeof system_bundles[0]; i++) {
			if (fileio_exists(root_fd, system_bundles[i]) <= 0)
				continue;
			k = load_bundle(root_fd, system_bundles[i], e);
			if (k < 0)
				return k;
			break;
		}
	}
	loaded = true;
	return (int) n_tas;
}

/* ---- the session */

static int low_read(void *ctx, unsigned char *buf, size_t len)
{
	(void) ctx;
	for (;;) {
		ssize_t r = read(io.fd, buf, len);
		if (r > 0)
			return (int) r;
		if (r == 0) {
			io.eof = true;
			return -1;
		}
		if (errno == EAGAIN) {
			int k = conn_wait(io.fd, false, io.timeout_ms);
			if (k < 0) {
				io.err = k;
				return -1;
			}
			continue;
		}
		if (errno != EINTR) {
			io.err = -errno;
			return -1;
		}
	}
}

static int low_write(void *ctx, const unsigned char *buf, size_t len)
{
	(void) ctx;
	for (;;) {
		ssize_t w = send(io.fd, buf, len, MSG_NOSIGNAL);
		if (w > 0)
			return (int) w;
		if (w < 0 && errno == EAGAIN) {
			int k = conn_wait(io.fd, true, io.timeout_ms);
			if (k < 0) {
				io.err = k;
				return -1;
			}
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		io.err = w < 0 ? -errno : -EPIPE;
		return -1;
	}
}

/* Turn the state after a failed br_sslio call into an error. */
static int fail(struct bs_err *e, const char *what)
{
	int br = br_ssl_engine_last_error(&sc.eng);

	if (io.err == -ETIMEDOUT)
		return err_set(e, -ETIMEDOUT, "TLS %s: no data from the server for %d ms", what, io.timeout_ms);
	if (io.err)
		return err_set(e, io.err, "TLS %s: %s", what, strerror(-io.err));
	if (io.eof && (br == BR_ERR_OK || br == BR_ERR_IO))
		return err_set(e, -ECONNRESET, "TLS %s: the server closed the connection", what);
	if (br >= BR_ERR_X509_OK && br < BR_ERR_RECV_FATAL_ALERT && br != BR_ERR_X509_OK)
		return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "TLS %s: certificate verification failed: %s", what,
				tls_error_name(br));
	return err_set(e, -EPROTO, "TLS %s: %s", what, tls_error_name(br));
}

int tls_open(int fd, const char *host, int io_timeout_ms, struct bs_err *e)
{
	if (!loaded)
		return err_setx(e, -EINVAL, BS_EXIT_INTERNAL, "TLS: trust anchors not loaded");
	memset(&io, 0, sizeof io);
	io.fd = fd;
	io.timeout_ms = io_timeout_ms;
	br_ssl_client_init_full(&sc, &xc, tas, n_tas);
	br_ssl_engine_set_versions(&sc.eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_buffer(&sc.eng, iobuf, sizeof iobuf, 1);
	if (!br_ssl_client_reset(&sc, host, 0))
		return fail(e, "setup");
	br_sslio_init(&ioc, &sc.eng, low_read, NULL, low_write, NULL);
	/* Flushing an empty buffer runs the handshake to completion (or failure). */
	if (br_sslio_flush(&ioc) < 0)
		return fail(e, "handshake");
	return 0;
}

ssize_t tls_read(void *buf, size_t n, struct bs_err *e)
{
	int r = br_sslio_read(&ioc, buf, n);
	if (r > 0)
		return r;
	if (br_ssl_engine_current_state(&sc.eng) == BR_SSL_CLOSED && br_ssl_engine_last_error(&sc.eng) == BR_ERR_OK &&
	    !io.eof && !io.err)
		return 0; /* close_notify */
	return fail(e, "read");
}

int tls_write_all(const void *buf, size_t n, struct bs_err *e)
{
	if (br_sslio_write_all(&ioc, buf, n) < 0 || br_sslio_flush(&ioc) < 0)
		return fail(e, "write");
	return 0;
}

void tls_close(void)
{
	/* No close_notify: the HTTP layer knows where each body ends, and the socket is closed next. */
	memset(&io, 0, sizeof io);
}
