/* unixsrv.h: a scripted HTTP server on a unix socket for unit tests (a forked child). */
#ifndef BS_TEST_UNIXSRV_H
#define BS_TEST_UNIXSRV_H

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Fork a child that serves the listening socket ls: n connections in turn, each read up to the
 * end of its request head, copied NUL-terminated to out_fd when out_fd >= 0, and answered with
 * answers[i].  Closes ls in the parent; returns the child's pid. */
static inline pid_t scripted_serve(int ls, const char *const *answers, int n, int out_fd)
{
	pid_t pid;

	fflush(NULL); /* a forked child must not print our buffered TAP lines again */
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < n; i++) {
			char req[8192];
			size_t got = 0;
			int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
			while (c >= 0 && got < sizeof req - 1) {
				ssize_t r = read(c, req + got, sizeof req - 1 - got);
				if (r <= 0)
					break;
				got += (size_t) r;
				req[got] = '\0';
				if (strstr(req, "\r\n\r\n"))
					break;
			}
			req[got] = '\0';
			if ((out_fd >= 0 && write(out_fd, req, got + 1) < 0) ||
			    (c >= 0 && got > 0 && write(c, answers[i], strlen(answers[i])) < 0))
				_exit(1);
			if (c >= 0)
				close(c);
		}
		_exit(0);
	}
	close(ls);
	return pid;
}

/* A one-shot server on a unix socket: answers each of the given responses to one
 * connection in turn.  Returns the child's pid. */
static inline pid_t unix_server(const char *path, const char *const *answers, int n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	unlink(path);
	if (ls < 0 || bind(ls, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(ls, 4) < 0)
		return -1;
	return scripted_serve(ls, answers, n, -1);
}

#endif
