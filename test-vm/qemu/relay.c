/* relay.c: qemu guestfwd "-cmd:" helper for the guest test: one process per guest connection,
 * stdin/stdout <-> 127.0.0.1:PORT.  In C because qemu starts one per connection and a Python
 * start (~130 ms here) showed up in the guest's timings.
 *
 * usage: relay PORT [GATE]
 * GATE names a file holding a number of seconds N: the first connection made while it exists
 * starts a window of N seconds during which every connection is closed at once, without a byte
 * (the guest sees its TCP connection accepted and then closed: a refused endpoint, as far as
 * qemu's user networking lets one be shown).  GATE.start records when the window opened;
 * GATE.refused gets a line per refused connection.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double read_number(const char *path, double dflt)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0 ? strtod(buf, NULL) : dflt;
}

/* 1 when this connection falls in the refusal window. */
static int refused(const char *gate)
{
	char start[4096], log[4096], line[64];
	double window, t = now();
	int fd, n;

	if (access(gate, F_OK) != 0)
		return 0;
	snprintf(start, sizeof start, "%s.start", gate);
	snprintf(log, sizeof log, "%s.refused", gate);
	fd = open(start, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0) {
		n = snprintf(line, sizeof line, "%f\n", t);
		(void) !write(fd, line, (size_t) n);
		close(fd);
	}
	window = read_number(gate, 0);
	if (t - read_number(start, t) >= window)
		return 0;
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		n = snprintf(line, sizeof line, "%f\n", t);
		(void) !write(fd, line, (size_t) n);
		close(fd);
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char buf[65536];
	int s, open_in = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: relay PORT [GATE]\n");
		return 2;
	}
	if (argc > 2 && refused(argv[2]))
		return 0;
	a.sin_port = htons((unsigned short) atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *) &a, sizeof a) < 0) {
		perror("relay: connect");
		return 1;
	}
	for (;;) {
		struct pollfd p[2] = { { open_in ? 0 : -1, POLLIN, 0 }, { s, POLLIN, 0 } };
		ssize_t n;
		if (poll(p, 2, -1) < 0)
			return 1;
		if (p[0].revents) {
			n = read(0, buf, sizeof buf);
			if (n <= 0) {
				shutdown(s, SHUT_WR);
				open_in = 0;
			} else if (write(s, buf, (size_t) n) != n) {
				return 1;
			}
		}
		if (p[1].revents) {
			n = read(s, buf, sizeof buf);
			if (n <= 0)
				return 0;
			for (ssize_t off = 0; off < n;) {
				ssize_t w = write(1, buf + off, (size_t) (n - off));
				if (w <= 0)
					return 1;
				off += w;
			}
		}
	}
}
