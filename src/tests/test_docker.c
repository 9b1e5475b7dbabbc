/* test_docker.c: the Docker API client's negotiation and load handling against scripted
 * answers on a unix socket (the sandbox suite test-vm/sandbox/image.sh runs it against a
 * real dockerd). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "lib/docker.h"
#include "tap.h"
#include "unixsrv.h"

#define SOCK "/tmp/bs-test-docker.sock"

static pid_t srv;

static void serve(const char *const *answers, int n)
{
	int st;
	if (srv > 0) {
		kill(srv, SIGTERM);
		waitpid(srv, &st, 0);
	}
	srv = unix_server(SOCK, answers, n);
}

#define PING(ver) "HTTP/1.1 200 OK\r\n" ver "Content-Length: 2\r\n\r\nOK"

int main(void)
{
	static struct docker d;
	struct bs_err e;
	char id[80];
	int k, fd;

	{
		const char *a[] = { PING("Api-Version: 1.43\r\n") };
		serve(a, 1);
		k = docker_open(&d, "/", "unix://" SOCK, &e);
		OK(k == 0 && !strcmp(d.api, "1.43"), "a newer daemon than Debian 12's: its 1.43 (%s)", k ? e.msg : d.api);
	}
	{
		const char *a[] = { PING("Api-Version: 1.52\r\n"), PING("Api-Version: 1.52\r\n") };
		serve(a, 2);
		k = docker_open(&d, "/", "unix://" SOCK, &e);
		OK(k == 0 && !strcmp(d.api, "1.51"), "a daemon newer than us (Docker 29): we speak our 1.51 (%s)", k ? e.msg : d.api);
	}
	{ /* a future daemon whose minimum is above our newest */
		const char *a[] = { PING("Api-Version: 1.60\r\n"),
				    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 99\r\n\r\n"
				    "{\"message\":\"client version 1.51 is too old. Minimum supported API version is 1.55, please upgrade\"}" };
		serve(a, 2);
		k = docker_open(&d, "/", "unix://" SOCK, &e);
		OK(k < 0 && err_exit_code(&e) == 100 && strstr(e.msg, "refuses API 1.51") && strstr(e.msg, "Minimum supported API version is 1.55"),
		   "a daemon that refuses our newest: exit 100, its message (%s)", k ? e.msg : d.api);
	}
	{
		const char *a[] = { PING("Api-Version: 1.30\r\n") };
		serve(a, 1);
		k = docker_open(&d, "/", "unix://" SOCK, &e);
		OK(k == 0 && !strcmp(d.api, "1.30"), "an older daemon: its 1.30 (%s)", k ? e.msg : d.api);
	}
	{
		const char *a[] = { PING("Api-Version: 1.20\r\n") };
		serve(a, 1);
		k = docker_open(&d, "/", "unix://" SOCK, &e);
		OK(k == -ENOTSUP && err_exit_code(&e) == 100 && strstr(e.msg, "Docker 1.9"), "API 1.20 refused, exit 100: %s", e.msg);
	}
	{
		const char *a[] = { PING("") };
		serve(a, 1);
		k = docker_open(&d, "/", "unix://" SOCK, &e);
		OK(k == 0 && !strcmp(d.api, "1.24"), "no Api-Version header: assume 1.24 (%s)", k ? e.msg : d.api);
	}
	{
		static const char load_err[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
					       "47\r\n{\"errorDetail\":{\"message\":\"unexpected EOF\"},\"error\":\"unexpected EOF\"}\r\n\r\n0\r\n\r\n";
		const char *a[] = { PING("Api-Version: 1.41\r\n"), load_err,
				    "HTTP/1.1 200 OK\r\nContent-Length: 61\r\n\r\n{\"stream\":\"Loaded image: amazon/amazon-ecs-agent:latest\\n\"}\r\n",
				    "HTTP/1.1 404 Not Found\r\nContent-Length: 44\r\n\r\n{\"message\":\"No such image: amazon/x:latest\"}",
				    "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{\"Id\":\"sha256:abcd\"}" };
		serve(a, 5);
		k = docker_open(&d, "/", "unix://" SOCK, &e);
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		k = k ? k : docker_image_load(&d, fd, 0, &e);
		OK(k < 0 && strstr(e.msg, "Docker refused the image: unexpected EOF"),
		   "load: HTTP 200 with an errorDetail is a failure with Docker's message (%s)", e.msg);
		k = docker_image_load(&d, fd, 0, &e);
		OK(k == 0, "load: 'Loaded image' is a success (%s)", k ? e.msg : "ok");
		close(fd);
		k = docker_image_id(&d, "amazon/x:latest", id, sizeof id, &e);
		EQ_INT(k, 0, "image inspect: 404 means absent");
		k = docker_image_id(&d, "amazon/amazon-ecs-agent:latest", id, sizeof id, &e);
		OK(k == 1 && !strcmp(id, "sha256:abcd"), "image inspect: the Id");
	}
	{
		int st;
		kill(srv, SIGTERM);
		waitpid(srv, &st, 0);
		srv = 0;
		unlink(SOCK);
		k = docker_open(&d, "/", "unix://" SOCK, &e);
		OK(k < 0 && err_exit_code(&e) == 111 && strstr(e.msg, "Docker is not answering"), "no daemon: exit 111 (%s)", e.msg);
	}
	OK(docker_open(&d, "/", "tcp://127.0.0.1:2375", &e) == -EINVAL, "DOCKER_HOST tcp:// refused: %s", e.msg);
	return tap_done();
}
