/* task-probe: the program of the test tasks the fake ECS control plane places (realagent.sh).
 * It GETs its task role's credentials from the agent's endpoint, as an AWS SDK in a task does:
 * http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, prints the answer's body, and
 * exits 0 when its AccessKeyId equals $EXPECT_AKID (the task definition's environment), 1 when it
 * differs or nothing came (connect/read time out after 3 s), 2 when the environment lacks either.
 * PROBE_HOLD=N: stay N seconds more before exiting (so the agent sees the task RUNNING).
 * `task-probe connect IPV4 PORT` instead only opens a TCP connection there: exit 0 when it was
 * accepted, 1 when refused, unreachable or not answered in 3 s (a bridge-mode container's view
 * of an address, e.g. IMDS behind --block-imds).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int check(void)
{
	const char *uri = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), *want = getenv("EXPECT_AKID");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct timeval tv = { .tv_sec = 3 };
	static char buf[16384], req[1024];
	size_t len = 0, wl;
	ssize_t n;
	char *body, *k, *end;
	int fd;

	if (!uri || !want || strlen(uri) > 900) {
		fprintf(stderr, "task-probe: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or EXPECT_AKID unset\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || inet_pton(AF_INET, "169.254.170.2", &a.sin_addr) != 1)
		return 1;
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *) &a, sizeof a) < 0) {
		fprintf(stderr, "task-probe: connect 169.254.170.2:80: %s\n",
			errno == EINPROGRESS || errno == EAGAIN ? "timed out" : strerror(errno));
		return 1;
	}
	wl = (size_t) snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: 169.254.170.2\r\n\r\n", uri);
	if (write(fd, req, wl) != (ssize_t) wl) {
		fprintf(stderr, "task-probe: write: %s\n", strerror(errno));
		return 1;
	}
	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t) n;
	buf[len] = '\0';
	close(fd);
	body = strstr(buf, "\r\n\r\n");
	if (!body) {
		fprintf(stderr, "task-probe: no answer from 169.254.170.2:80%s\n", uri);
		return 1;
	}
	printf("%s\n", body + 4);
	k = strstr(body, "\"AccessKeyId\"");
	if (!k || !(k = strchr(k + 13, '"')) || !(end = strchr(++k, '"'))) {
		fprintf(stderr, "task-probe: no AccessKeyId in the answer\n");
		return 1;
	}
	if ((size_t) (end - k) != strlen(want) || strncmp(k, want, strlen(want))) {
		fprintf(stderr, "task-probe: AccessKeyId %.*s, want %s\n", (int) (end - k), k, want);
		return 1;
	}
	printf("task-probe: AccessKeyId %s as expected\n", want);
	return 0;
}

static int reach(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short) atoi(port)) };
	struct timeval tv = { .tv_sec = 3 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return 2;
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *) &a, sizeof a) < 0) {
		printf("task-probe: connect %s:%s: %s\n", ip, port,
		       errno == EINPROGRESS || errno == EAGAIN ? "timed out" : strerror(errno));
		return 1;
	}
	printf("task-probe: connected to %s:%s\n", ip, port);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int rc = argc == 4 && !strcmp(argv[1], "connect") ? reach(argv[2], argv[3]) : check();
	const char *hold = getenv("PROBE_HOLD");
	fflush(stdout);
	if (hold)
		sleep((unsigned) atoi(hold));
	return rc;
}
