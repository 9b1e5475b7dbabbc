/* conn.c: see conn.h. */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tls.h"

int conn_wait(int fd, bool for_write, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = for_write ? POLLOUT : POLLIN };
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	int k, err = 0, one = 1;
	socklen_t len = sizeof err;

	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		k = -errno;
		(void) close(fd);
		return k;
	}
	k = conn_wait(fd, true, timeout_ms);
	if (k == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		k = -errno;
	else if (k == 0 && err)
		k = -err;
	if (k < 0) {
		(void) close(fd);
		return k;
	}
	/* Requests are small and written at once: do not let Nagle delay them. */
	(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int conn_tcp(struct conn *c, const char *host, unsigned port, int connect_timeout_ms, int io_timeout_ms,
	     struct bs_err *e)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	char ports[8];
	int k, fd = -ENOENT;

	c->fd = -1;
	c->tls = NULL;
	c->io_timeout_ms = io_timeout_ms;
	(void) snprintf(ports, sizeof ports, "%u", port);
	k = getaddrinfo(host, ports, &hints, &res);
	if (k != 0)
		return err_setx(e, -EHOSTUNREACH, 0, "resolve '%s': %s", host, gai_strerror(k));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = connect_one(ai, connect_timeout_ms);
		if (fd >= 0)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return err_set(e, fd, "connect to %s port %u: %s", host, port,
			       fd == -ETIMEDOUT ? "timed out" : strerror(-fd));
	c->fd = fd;
	return 0;
}

int conn_unix(struct conn *c, const char *path, int io_timeout_ms, struct bs_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	c->fd = -1;
	c->tls = NULL;
	c->io_timeout_ms = io_timeout_ms;
	if (strlen(path) >= sizeof sa.sun_path)
		return err_set(e, -ENAMETOOLONG, "unix socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return err_set(e, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
		int k = -errno;
		(void) close(fd);
		return err_set(e, k == -EAGAIN ? -ECONNREFUSED : k, "connect to '%s': %s", path, strerror(-k));
	}
	c->fd = fd;
	return 0;
}

int conn_tls(struct conn *c, struct tls *t, const char *host, struct bs_err *e)
{
	int k = tls_open(t, c->fd, host, c->io_timeout_ms, e);
	if (k == 0)
		c->tls = t;
	return k;
}

ssize_t conn_read(struct conn *c, void *buf, size_t n, struct bs_err *e)
{
	if (c->tls)
		return tls_read(c->tls, buf, n, e);
	for (;;) {
		ssize_t r = read(c->fd, buf, n);
		if (r >= 0)
			return r;
		if (errno == EAGAIN) {
			int k = conn_wait(c->fd, false, c->io_timeout_ms);
			if (k < 0)
				return err_set(e, k, "no data from the server for %d ms", c->io_timeout_ms);
			continue;
		}
		if (errno != EINTR)
			return err_set(e, -errno, "read: %s", strerror(errno));
	}
}

/* After a write-like call returned w: 0 when it wrote, 1 to call it again (interrupted, or
 * the socket was full and now has room), < 0 with e set. */
static int written(struct conn *c, ssize_t w, struct bs_err *e)
{
	int k;
	if (w >= 0)
		return 0;
	if (errno == EINTR)
		return 1;
	if (errno != EAGAIN)
		return err_set(e, -errno, "write: %s", strerror(errno));
	k = conn_wait(c->fd, true, c->io_timeout_ms);
	return k < 0 ? err_set(e, k, "server accepted no data for %d ms", c->io_timeout_ms) : 1;
}

int conn_write_all(struct conn *c, const void *buf, size_t n, struct bs_err *e)
{
	const char *p = buf;
	if (c->tls)
		return tls_write_all(c->tls, buf, n, e);
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
		int k = written(c, w, e);
		if (k < 0)
			return k;
		if (k > 0)
			continue;
		p += w;
		n -= (size_t) w;
	}
	return 0;
}

ssize_t conn_send_file(struct conn *c, int fd, long long off, size_t n, struct bs_err *e)
{
	if (c->tls)
		return -ENOTSUP;
	for (;;) {
		off_t o = (off_t) off;
		ssize_t w = sendfile(c->fd, fd, &o, n);
		if (w < 0 && (errno == EINVAL || errno == ENOSYS))
			return -ENOTSUP; /* the caller copies by hand */
		int k = written(c, w, e);
		if (k < 0)
			return k;
		if (k == 0)
			return w;
	}
}

void conn_close(struct conn *c)
{
	if (c->tls)
		tls_close(c->tls);
	if (c->fd >= 0)
		(void) close(c->fd);
	c->fd = -1;
	c->tls = NULL;
}
