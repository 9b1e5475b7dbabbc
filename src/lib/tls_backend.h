/* tls_backend.h: what tls_common.c (trust anchors, socket I/O with timeouts) shares with
 * the TLS backends, tls_bearssl.c (the default) and tls_mbedtls.c (make TLS=mbedtls). */
#ifndef BS_TLS_BACKEND_H
#define BS_TLS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"

#include "tls_ctx.h"

/* Read or write some bytes on t->io.fd, waiting at most timeout_ms each time the socket
 * is not ready: > 0 bytes, or -1 with tls_io.err or tls_io.eof set. */
int tls_io_read(struct tls *t, unsigned char *buf, size_t len);
int tls_io_write(struct tls *t, const unsigned char *buf, size_t len);

/* When the socket explains a failed call (timeout, errno): e set, < 0.  Otherwise 0. */
int tls_io_fail(struct tls *t, struct bs_err *e, const char *what);

/* Backend: take one DER certificate as a trust anchor.  0, -E2BIG (a limit of the backend)
 * or -EBADMSG (not a certificate it can use). */
int tls_backend_add_anchor(struct tls *t, const unsigned char *der, size_t len);

/* tls_trust_load() has run (the backend refuses to open a session before). */
bool tls_trust_loaded(const struct tls *t);

#endif
