/* conn.h: one client connection: TCP (optionally TLS on top) or a unix socket, with
 * timeouts on connect and on every read and write. */
#ifndef BS_CONN_H
#define BS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../err.h"

struct tls;
struct conn {
	int fd;
	struct tls *tls; /* the TLS context of the session on fd, NULL: none */
	int io_timeout_ms;
};

/* Resolve host (getaddrinfo: /etc/hosts, then DNS) and connect to the first address that
 * answers within connect_timeout_ms.  0, or -ECONNREFUSED / -ETIMEDOUT / -EHOSTUNREACH /
 * -ENOENT (name does not resolve) with e naming host and port. */
int conn_tcp(struct conn *c, const char *host, unsigned port, int connect_timeout_ms, int io_timeout_ms,
	     struct bs_err *e);

/* Connect to a unix socket path (a caller path, not under --root). */
int conn_unix(struct conn *c, const char *path, int io_timeout_ms, struct bs_err *e);

/* Start TLS on an open TCP connection (verifying host), in the caller's context t. */
int conn_tls(struct conn *c, struct tls *t, const char *host, struct bs_err *e);

/* > 0 bytes, 0 at end of stream, < 0 error. */
ssize_t conn_read(struct conn *c, void *buf, size_t n, struct bs_err *e);
int conn_write_all(struct conn *c, const void *buf, size_t n, struct bs_err *e);
/* Send up to n bytes of fd from off without copying them through user space (sendfile):
 * bytes sent (> 0), < 0 with e set, or -ENOTSUP without e when this connection cannot
 * (TLS, or a file sendfile refuses): then copy by hand. */
ssize_t conn_send_file(struct conn *c, int fd, long long off, size_t n, struct bs_err *e);
void conn_close(struct conn *c);

/* Wait until fd is readable/writable or timeout: 0, -ETIMEDOUT, -errno.  Exposed for tls.c. */
int conn_wait(int fd, bool for_write, int timeout_ms);

#endif
