/* tls_common.c: the parts of tls.h that do not depend on the TLS library: trust anchors
 * (the embedded Amazon roots, then SSL_CERT_FILE or the first system bundle found) and the
 * socket I/O under a session, with timeouts.  The backend decodes the anchors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn.h"
#include "fileio.h"
#include "pem.h"
#include "tls.h"
#include "tls_backend.h"
#include "trust_anchors.h" /* generated: embedded Amazon roots (DER) */

#define CERT_DER_MAX (16UL * 1024)     /* one certificate in a bundle */
#define BUNDLE_MAX (8UL * 1024 * 1024) /* a PEM bundle we are willing to read */

struct tls_io tls_io;
static int n_anchors;
static bool loaded;

bool tls_trust_loaded(void)
{
	return loaded;
}

/* 0, 1 when the anchor was not usable (skipped, like OpenSSL does), -E2BIG at a limit. */
static int add_anchor(const unsigned char *der, size_t len)
{
	int k;
	if (n_anchors == TLS_ANCHORS_MAX)
		return -E2BIG;
	k = tls_backend_add_anchor(der, len);
	if (k == -E2BIG)
		return k;
	if (k < 0)
		return 1;
	n_anchors++;
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
	k = add_anchor(der, len);
	if (k == -E2BIG) {
		w->full = true;
		return k;
	}
	w->added += k == 0;
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
		k = err_set(e, -E2BIG, "CA bundle '%s': more anchors than the limit of %d", path, TLS_ANCHORS_MAX);
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
		return n_anchors;
	for (size_t i = 0; i < sizeof embedded_tas / sizeof embedded_tas[0]; i++) {
		k = add_anchor(embedded_tas[i].der, embedded_tas[i].len);
		if (k != 0)
			return err_setx(e, k < 0 ? k : -EBADMSG, BS_EXIT_INTERNAL, "embedded trust anchor %s does not decode",
					embedded_tas[i].name);
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
	return n_anchors;
}

/* ---- socket I/O under a session */

int tls_io_read(unsigned char *buf, size_t len)
{
	for (;;) {
		ssize_t r = read(tls_io.fd, buf, len);
		if (r > 0)
			return (int) r;
		if (r == 0) {
			tls_io.eof = true;
			return -1;
		}
		if (errno == EAGAIN) {
			int k = conn_wait(tls_io.fd, false, tls_io.timeout_ms);
			if (k < 0) {
				tls_io.err = k;
				return -1;
			}
			continue;
		}
		if (errno != EINTR) {
			tls_io.err = -errno;
			return -1;
		}
	}
}

int tls_io_write(const unsigned char *buf, size_t len)
{
	for (;;) {
		ssize_t w = send(tls_io.fd, buf, len, MSG_NOSIGNAL);
		if (w > 0)
			return (int) w;
		if (w < 0 && errno == EAGAIN) {
			int k = conn_wait(tls_io.fd, true, tls_io.timeout_ms);
			if (k < 0) {
				tls_io.err = k;
				return -1;
			}
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		tls_io.err = w < 0 ? -errno : -EPIPE;
		return -1;
	}
}
