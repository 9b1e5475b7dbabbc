/* standin.c: a stand-in for the Amazon ECS agent, for tests (the real image cannot be
 * downloaded here).  Built static with musl and packed into a docker-save archive by
 * test-vm/image/mkimage.py.  It:
 *   - writes its ECS_* environment to /log/standin-env.log (what the agent would read);
 *   - answers GET /v1/metadata on 127.0.0.1:51678 with a Cluster (ECS_CLUSTER), a
 *     ContainerInstanceArn and a Version, like the agent's introspection API (no
 *     ContainerInstanceArn when ECS_STANDIN_UNREGISTERED is set: an agent still registering);
 *   - answers any request on 127.0.0.1:51679 with a credentials-shaped JSON document;
 *   - exits with the code written to /data/standin-exit when that file appears (5: terminal,
 *     42: "update downloaded"), checked every 100 ms; SIGTERM exits 0.
 * `standin probe IPV4 PORT` instead sends `GET / HTTP/1.0` there and prints the answer's body
 * (exit 0 when one came): a client for tests inside bridge-mode containers, whose image holds
 * nothing but this program.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

extern char **environ;
static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void) sig;
	stop = 1;
}

static int listener(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short) port),
				 .sin_addr.s_addr = htonl(0x7f000001) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *) &a, sizeof a) < 0 || listen(fd, 16) < 0) {
		perror("standin: listen");
		exit(1);
	}
	return fd;
}

static void answer(int ls, const char *body)
{
	char req[2048], resp[2560];
	int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC), n;
	if (c < 0)
		return;
	(void) !read(c, req, sizeof req);
	n = snprintf(resp, sizeof resp, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		     strlen(body), body);
	(void) !write(c, resp, (size_t) n);
	close(c);
}

static int probe(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short) atoi(port)) };
	struct timeval tv = { .tv_sec = 5 };
	static char buf[8192];
	size_t len = 0;
	ssize_t n;
	char *body;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		return 2;
	(void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	(void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *) &a, sizeof a) < 0) {
		fprintf(stderr, "standin probe: connect %s:%s: %s\n", ip, port, strerror(errno));
		return 1;
	}
	(void) !write(fd, "GET / HTTP/1.0\r\n\r\n", 18);
	while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
		len += (size_t) n;
	buf[len] = '\0';
	body = strstr(buf, "\r\n\r\n");
	if (!body) {
		fprintf(stderr, "standin probe: no answer from %s:%s\n", ip, port);
		return 1;
	}
	printf("%s\n", body + 4);
	return 0;
}

int main(int argc, char **argv)
{
	/* ECS_STANDIN_CLUSTER: report another cluster than ecs.config's (an old registration) */
	const char *cluster = getenv("ECS_STANDIN_CLUSTER") ? getenv("ECS_STANDIN_CLUSTER") : getenv("ECS_CLUSTER");
	char meta[512];
	FILE *log;
	int l1, l2;

	if (argc == 4 && !strcmp(argv[1], "probe"))
		return probe(argv[2], argv[3]);
	log = fopen("/log/standin-env.log", "w");
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (log) {
		for (char **e = environ; *e; e++)
			if (!strncmp(*e, "ECS_", 4))
				fprintf(log, "%s\n", *e);
		fclose(log);
	}
	if (getenv("ECS_STANDIN_UNREGISTERED"))
		snprintf(meta, sizeof meta, "{\"Cluster\":\"%s\",\"Version\":\"Amazon ECS Agent - v1.99.0-standin\"}",
			 cluster ? cluster : "default");
	else
		snprintf(meta, sizeof meta,
		 "{\"Cluster\":\"%s\",\"ContainerInstanceArn\":\"arn:aws:ecs:us-east-1:123456789012:container-instance/%s/0123456789abcdef0123456789abcdef\",\"Version\":\"Amazon ECS Agent - v1.99.0-standin\"}",
		 cluster ? cluster : "default", cluster ? cluster : "default");
	l1 = listener(51678);
	l2 = listener(51679);
	fprintf(stderr, "standin: serving 127.0.0.1:51678 and :51679 for cluster %s\n", cluster ? cluster : "default");
	while (!stop) {
		struct pollfd p[2] = { { l1, POLLIN, 0 }, { l2, POLLIN, 0 } };
		char code[16];
		int fd, r = poll(p, 2, 100);
		if (r > 0 && (p[0].revents & POLLIN))
			answer(l1, meta);
		if (r > 0 && (p[1].revents & POLLIN))
			answer(l2, "{\"RoleArn\":\"arn:aws:iam::123456789012:role/task\",\"AccessKeyId\":\"ASIASTANDIN\",\"SecretAccessKey\":\"standin\",\"Token\":\"standin\",\"Expiration\":\"2099-01-01T00:00:00Z\"}");
		fd = open("/data/standin-exit", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t n = read(fd, code, sizeof code - 1);
			close(fd);
			unlink("/data/standin-exit");
			code[n > 0 ? n : 0] = '\0';
			fprintf(stderr, "standin: exiting with %d as asked\n", atoi(code));
			return atoi(code);
		}
	}
	return 0;
}
