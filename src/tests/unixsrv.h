/* unixsrv.h: a scripted HTTP server on a unix socket for unit tests (a forked child). */
#ifndef BS_TEST_UNIXSRV_H
#define BS_TEST_UNIXSRV_H

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A one-shot server on a unix socket: answers each of the given responses to one
 * connection in turn, recording the first request line.  Returns the child's pid. */
static inline pid_t unix_server(const char *path, const char *const *answers, int n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	unlink(path);
	if (ls < 0 || bind(ls, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(ls, 4) < 0)
		return -1;
	fflush(NULL); /* a forked child must not print our buffered TAP lines again */
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < n; i++) {
			char req[4096];
			int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
			ssize_t got = c < 0 ? -1 : read(c, req, sizeof req - 1);
			if (got > 0 && write(c, answers[i], strlen(answers[i])) < 0)
				_exit(1);
			if (c >= 0)
				close(c);
		}
		_exit(0);
	}
	close(ls);
	return pid;
}

#endif
