/* tls.h: the TLS client behind the HTTP client.  Backends: BearSSL (tls_bearssl.c, the
 * default) and mbedtls 2.28 (tls_mbedtls.c, make TLS=mbedtls); what they share, trust
 * anchors and socket I/O, is in tls_common.c (tls_backend.h).
 *
 * Trust: the Amazon roots compiled in (Amazon Root CA 1-4, Starfield Services Root
 * G2; generated at build time from the system's ca-certificates files), plus the PEM
 * bundle named by SSL_CERT_FILE, else the first system bundle found.  The chain and the
 * host name are always verified; there is no switch that turns this off.
 *
 * Everything lives in a struct tls its caller owns (tls_ctx.h; struct net holds one): the
 * anchors and one session at a time (a context holds one engine and its 33 KiB I/O buffer).
 */
#ifndef BS_TLS_H
#define BS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../err.h"
#include "tls_ctx.h"

/* Load the trust anchors once (later calls return at once).  root_fd: where the system
 * bundle is looked up (AT_FDCWD or the --root fd); cert_file (AWS_CA_BUNDLE or SSL_CERT_FILE,
 * the variable's name in cert_var for errors; NULL: the system's) is a path of the caller's,
 * instead of it.  Returns the number of anchors, or < 0 (a named bundle that cannot be read is
 * an error; a missing system bundle is not). */
int tls_trust_load(struct tls *t, int root_fd, const char *cert_file, const char *cert_var, struct bs_err *e);

/* Handshake over the connected socket fd, verifying the chain and host.  io_timeout_ms
 * bounds every wait for the peer.  0, or < 0 with e naming the library's reason, e.g.
 * "BR_ERR_X509_NOT_TRUSTED (chain could not be linked to a trust anchor)" or
 * "MBEDTLS_X509_BADCERT_NOT_TRUSTED (chain could not ...)"; certificate problems have exit
 * class 102. */
int tls_open(struct tls *t, int fd, const char *host, int io_timeout_ms, struct bs_err *e);

/* > 0 bytes read, 0 on a clean close_notify, < 0 on error (-ETIMEDOUT, -ECONNRESET, -EPROTO). */
ssize_t tls_read(struct tls *t, void *buf, size_t n, struct bs_err *e);

/* Write all of buf and flush.  0 or < 0. */
int tls_write_all(struct tls *t, const void *buf, size_t n, struct bs_err *e);

/* Forget the session (does not close fd). */
void tls_close(struct tls *t);

/* The TLS library this binary was built with, e.g. "BearSSL 0.6". */
const char *tls_library(void);

/* Name and explanation of the library's error code, e.g. "BR_ERR_X509_EXPIRED (certificate
 * expired or not yet valid)".  Never NULL. */
const char *tls_error_name(int err);

#endif
