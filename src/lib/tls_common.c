/* tls_common.c: the parts of tls.h that do not depend on the TLS library: trust anchors
 * (the embedded Amazon roots, then AWS_CA_BUNDLE or SSL_CERT_FILE or the first system bundle found) and the
 * socket I/O under a session, with timeouts.  The backend decodes the anchors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "fileio.h"
#include "pem.h"
#include "tls.h"
#include "tls_backend.h"
#include "trust_anchors.h" /* generated: embedded Amazon roots (DER) */

#define CERT_DER_MAX (16UL * 1024)     /* one certificate in a bundle */
#define BUNDLE_MAX (8UL * 1024 * 1024) /* a PEM bundle we are willing to read */

bool tls_trust_loaded(const struct tls *t)
{
	return t->loaded;
}

/* 0, 1 when the anchor was not usable (skipped, like OpenSSL does), -E2BIG at a limit. */
static int add_anchor(struct tls *t, const unsigned char *der, size_t len)
{
	int k;
	if (t->n_anchors == TLS_ANCHORS_MAX)
		return -E2BIG;
	k = tls_backend_add_anchor(t, der, len);
	if (k == -E2BIG)
		return k;
	if (k < 0)
		return 1;
	t->n_anchors++;
	return 0;
}

struct bundle_walk {
	struct tls *t;
	int added;
	bool full;
};

static int bundle_object(void *ctx, const char *label, const unsigned char *der, size_t len)
{
	struct bundle_walk *w = ctx;
	int k;

	if (strcmp(label, "CERTIFICATE") != 0)
		return 0; /* TRUSTED CERTIFICATE, keys, CRLs: not anchors */
	k = add_anchor(w->t, der, len);
	if (k == -E2BIG) {
		w->full = true;
		return k;
	}
	w->added += k == 0;
	return 0;
}

/* Read a PEM bundle; every CERTIFICATE becomes an anchor (others are skipped). */
static int load_bundle(struct tls *t, int dirfd, const char *path, struct bs_err *e)
{
	static char text[BUNDLE_MAX + 1]; /* only what a bundle fills is ever touched */
	static unsigned char der[CERT_DER_MAX];
	struct bundle_walk w = { t, 0, false };
	size_t len = 0, bad_line = 0;
	int k = fileio_read_bounded(dirfd, path, text, sizeof text, &len, e);

	if (k < 0)
		return err_wrap(e, "CA bundle");
	k = pem_each((const unsigned char *) text, len, der, sizeof der, bundle_object, &w, &bad_line);
	if (k == -EBADMSG)
		return err_set(e, k, "CA bundle '%s': bad PEM on line %zu", path, bad_line);
	if (w.full)
		return err_set(e, -E2BIG, "CA bundle '%s': more anchors than the limit of %d", path, TLS_ANCHORS_MAX);
	return w.added;
}

int tls_trust_load(struct tls *t, int root_fd, const char *cert_file, const char *cert_var, struct bs_err *e)
{
	static const char *const system_bundles[] = {
		"/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Amazon Linux 2023 symlink */
		"/etc/pki/tls/certs/ca-bundle.crt",   /* RHEL, Amazon Linux 2 */
		"/etc/ssl/cert.pem",                  /* Alpine */
	};
	int k;

	if (t->loaded)
		return t->n_anchors;
	for (size_t i = 0; i < sizeof embedded_tas / sizeof embedded_tas[0]; i++) {
		k = add_anchor(t, embedded_tas[i].der, embedded_tas[i].len);
		if (k != 0)
			return err_setx(e, k < 0 ? k : -EBADMSG, BS_EXIT_INTERNAL, "embedded trust anchor %s does not decode",
					embedded_tas[i].name);
	}
	if (cert_file && *cert_file) {
		k = load_bundle(t, AT_FDCWD, cert_file, e);
		if (k < 0)
			return err_wrap(e, "%s", cert_var && *cert_var ? cert_var : "the CA bundle");
	} else {
		for (size_t i = 0; i < sizeof system_bundles / sizeof system_bundles[0]; i++) {
			if (fileio_exists(root_fd, system_bundles[i]) <= 0)
				continue;
			k = load_bundle(t, root_fd, system_bundles[i], e);
			if (k < 0)
				return k;
			break;
		}
	}
	t->loaded = true;
	return t->n_anchors;
}

/* ---- socket I/O under a session */

int tls_io_fail(struct tls *t, struct bs_err *e, const char *what)
{
	if (t->io.err == -ETIMEDOUT)
		return err_set(e, -ETIMEDOUT, "TLS %s: no data from the server for %d ms", what, t->io.timeout_ms);
	if (t->io.err)
		return err_set(e, t->io.err, "TLS %s: %s", what, strerror(-t->io.err));
	return 0;
}

int tls_io_read(struct tls *t, unsigned char *buf, size_t len)
{
	for (;;) {
		ssize_t r = read(t->io.fd, buf, len);
		if (r > 0)
			return (int) r;
		if (r == 0) {
			t->io.eof = true;
			return -1;
		}
		if (errno == EAGAIN) {
			int k = conn_wait(t->io.fd, false, t->io.timeout_ms);
			if (k < 0) {
				t->io.err = k;
				return -1;
			}
			continue;
		}
		if (errno != EINTR) {
			t->io.err = -errno;
			return -1;
		}
	}
}

int tls_io_write(struct tls *t, const unsigned char *buf, size_t len)
{
	for (;;) {
		ssize_t w = send(t->io.fd, buf, len, MSG_NOSIGNAL);
		if (w > 0)
			return (int) w;
		if (w < 0 && errno == EAGAIN) {
			int k = conn_wait(t->io.fd, true, t->io.timeout_ms);
			if (k < 0) {
				t->io.err = k;
				return -1;
			}
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		t->io.err = w < 0 ? -errno : -EPIPE;
		return -1;
	}
}
