/* tls_backend.h: what tls_common.c (trust anchors, socket I/O with timeouts) shares with
 * the TLS backends, tls_bearssl.c (the default) and tls_mbedtls.c (make TLS=mbedtls). */
#ifndef BS_TLS_BACKEND_H
#define BS_TLS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"

/* What the socket saw during a session, so a failure is reported as what it was. */
struct tls_io {
	int fd;
	int timeout_ms;
	int err; /* -errno from the socket, or -ETIMEDOUT */
	bool eof;
};
extern struct tls_io tls_io;

/* Read or write some bytes on tls_io.fd, waiting at most timeout_ms each time the socket
 * is not ready: > 0 bytes, or -1 with tls_io.err or tls_io.eof set. */
int tls_io_read(unsigned char *buf, size_t len);
int tls_io_write(const unsigned char *buf, size_t len);

#define TLS_ANCHORS_MAX 512 /* trust anchors from all sources */

/* When the socket explains a failed call (timeout, errno): e set, < 0.  Otherwise 0. */
int tls_io_fail(struct bs_err *e, const char *what);

/* Backend: take one DER certificate as a trust anchor.  0, -E2BIG (a limit of the backend)
 * or -EBADMSG (not a certificate it can use). */
int tls_backend_add_anchor(const unsigned char *der, size_t len);

/* tls_trust_load() has run (the backend refuses to open a session before). */
bool tls_trust_loaded(void);

#endif
