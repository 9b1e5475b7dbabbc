/* test_docker.c: the Docker API client's negotiation and load handling against scripted
 * answers on a unix socket (the sandbox suite test-vm/sandbox/image.sh runs it against a
 * real dockerd). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "lib/base64.h"
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

static char seen[8][200];
static int n_seen;
static void progress(void *ctx, const char *status, const char *id, long long cur, long long total)
{
	(void) ctx;
	if (n_seen < 8)
		(void) snprintf(seen[n_seen++], sizeof seen[0], "%s|%s|%lld|%lld", status, id, cur, total);
}

static void refs(void)
{
	static const struct {
		const char *in, *name, *tag, *digest, *host;
	} ok[] = {
		{ "amazon/amazon-ecs-agent", "amazon/amazon-ecs-agent", "latest", "", "docker.io" },
		{ "amazon/amazon-ecs-agent:v1.105.1", "amazon/amazon-ecs-agent", "v1.105.1", "", "docker.io" },
		{ "public.ecr.aws/ecs/amazon-ecs-agent:latest", "public.ecr.aws/ecs/amazon-ecs-agent", "latest", "", "public.ecr.aws" },
		{ "registry.local:5000/ecs/agent@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  "registry.local:5000/ecs/agent", "", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  "registry.local:5000" },
		{ "localhost/agent:1", "localhost/agent", "1", "", "localhost" },
		{ "ubuntu", "ubuntu", "latest", "", "docker.io" },
	};
	static const char *const bad[] = { "", "Amazon/agent", "https://public.ecr.aws/x", "a b", "x@sha256:12",
					   "x:", "x/", "/x", "x@md5:0123", "x:-tag", "a//b", "x?y", "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg" };
	struct docker_ref r;
	struct bs_err e;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int k = docker_ref_parse(ok[i].in, &r, &e);
		OK(k == 0 && !strcmp(r.name, ok[i].name) && !strcmp(r.tag, ok[i].tag) && !strcmp(r.digest, ok[i].digest) &&
			   !strcmp(r.host, ok[i].host),
		   "ref '%s': name %s, tag '%s', digest '%.15s', registry %s", ok[i].in, k ? e.msg : r.name, r.tag, r.digest, r.host);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int k = docker_ref_parse(bad[i], &r, &e);
		OK(k == -EINVAL && err_exit_code(&e) == 100, "ref '%s' refused, exit 100: %s", bad[i], k ? e.msg : "accepted");
	}
}

/* base64 of what auth() made, decoded back to the JSON Docker reads */
static const char *unb64(const char *s)
{
	static char out[2048];
	char std[2048];
	struct b64 st = { 0 };
	size_t o = 0, n = strlen(s);
	for (size_t i = 0; i <= n; i++)
		std[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	if (b64_decode(&st, (const unsigned char *) std, n, (unsigned char *) out, sizeof out - 1, &o) < 0)
		return "(not base64)";
	out[o] = '\0';
	return out;
}

static void auths(void)
{
	/* user:pa"ss -> dXNlcjpwYSJzcw== */
	static const char cfg[] = "{\"auths\": {\"https://index.docker.io/v1/\": {\"auth\": \"aHViOmh1YnB3\"},"
				  " \"public.ecr.aws\": {\"auth\": \"dXNlcjpwYSJzcw==\"},"
				  " \"registry.local:5000\": {\"username\": \"u2\", \"password\": \"p2\"},"
				  " \"broken.example\": {\"auth\": \"!!!\"}, \"helper.example\": {}}, \"credsStore\": \"x\"}";
	char out[4096];
	struct bs_err e;
	int k;

	k = docker_registry_auth(cfg, strlen(cfg), "public.ecr.aws", out, sizeof out, &e);
	OK(k == 1 && !strcmp(unb64(out), "{\"username\":\"user\",\"password\":\"pa\\\"ss\",\"serveraddress\":\"public.ecr.aws\"}"),
	   "auths: public.ecr.aws's \"auth\" becomes X-Registry-Auth (%s)", k == 1 ? unb64(out) : e.msg);
	OK(strchr(out, '+') == NULL && strchr(out, '/') == NULL, "X-Registry-Auth is base64url");
	k = docker_registry_auth(cfg, strlen(cfg), "docker.io", out, sizeof out, &e);
	OK(k == 1 && strstr(unb64(out), "\"username\":\"hub\",\"password\":\"hubpw\""), "auths: Docker Hub's key https://index.docker.io/v1/");
	k = docker_registry_auth(cfg, strlen(cfg), "registry.local:5000", out, sizeof out, &e);
	OK(k == 1 && strstr(unb64(out), "\"username\":\"u2\",\"password\":\"p2\""), "auths: username and password");
	EQ_INT(docker_registry_auth(cfg, strlen(cfg), "other.example", out, sizeof out, &e), 0, "auths: no entry: anonymous");
	EQ_INT(docker_registry_auth(cfg, strlen(cfg), "helper.example", out, sizeof out, &e), 0, "auths: an entry without credentials (a helper's): anonymous");
	EQ_INT(docker_registry_auth(cfg, strlen(cfg), "public.ecr", out, sizeof out, &e), 0, "auths: a host is matched whole");
	k = docker_registry_auth(cfg, strlen(cfg), "broken.example", out, sizeof out, &e);
	OK(k < 0 && err_exit_code(&e) == 100 && !strstr(e.msg, "!!!"), "auths: a broken \"auth\": exit 100 (%s)", e.msg);
	k = docker_registry_auth("{\"auths\": [", 11, "x", out, sizeof out, &e);
	OK(k < 0 && err_exit_code(&e) == 100, "a config.json that is not JSON: exit 100 (%s)", e.msg);
	EQ_INT(docker_registry_auth("{}", 2, "x", out, sizeof out, &e), 0, "no auths: anonymous");
}

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
	refs();
	auths();
	{
		/* a pull: progress lines streamed in chunks, split mid-line; then the errors */
		static const char l1[] = "{\"status\":\"Pulling from ecs/amazon-ecs-agent\",\"id\":\"v1\"}\r\n";
		static const char l2a[] = "{\"status\":\"Downloading\",\"progress";
		static const char l2b[] = "Detail\":{\"current\":10,\"total\":100},\"id\":\"abc\"}\n{\"status\":\"Status: done\"}\n";
		static const char digest_body[] = "{\"errorDetail\":{\"message\":\"manifest for x@sha256:00 not found: manifest unknown\"},"
						  "\"error\":\"manifest unknown\"}\n";
		static const char auth_body[] = "{\"message\":\"pull access denied for x, repository does not exist\"}";
		static const char mismatch_body[] = "{\"errorDetail\":{\"message\":\"manifest verification failed for digest sha256:00\"}}\n";
		static const char inspect_body[] = "{\"Id\":\"sha256:ab\",\"RepoDigests\":[\"other/x@sha256:11\","
						   "\"public.ecr.aws/ecs/amazon-ecs-agent@sha256:22\"]}";
		static char pull_ok[600], pull_digest[300], pull_auth[300], pull_mismatch[300], insp[300];
		snprintf(pull_ok, sizeof pull_ok, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n%s\r\n%zx\r\n%s\r\n%zx\r\n%s\r\n0\r\n\r\n",
			 strlen(l1), l1, strlen(l2a), l2a, strlen(l2b), l2b);
		snprintf(pull_digest, sizeof pull_digest, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(digest_body), digest_body);
		snprintf(pull_auth, sizeof pull_auth, "HTTP/1.1 404 Not Found\r\nContent-Length: %zu\r\n\r\n%s", strlen(auth_body), auth_body);
		snprintf(pull_mismatch, sizeof pull_mismatch, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(mismatch_body), mismatch_body);
		snprintf(insp, sizeof insp, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(inspect_body), inspect_body);
		const char *a[] = { PING("Api-Version: 1.41\r\n"), pull_ok, pull_digest, pull_auth, pull_mismatch, insp };
		struct docker_ref ref;
		char dig[80];
		serve(a, 6);
		k = docker_open(&d, "/", "unix://" SOCK, &e);
		(void) docker_ref_parse("public.ecr.aws/ecs/amazon-ecs-agent:v1", &ref, &e);
		k = k ? k : docker_image_pull(&d, &ref, "QUJD", progress, NULL, &e);
		OK(k == 0 && n_seen == 3 && !strcmp(seen[0], "Pulling from ecs/amazon-ecs-agent|v1|0|0") &&
			   !strcmp(seen[1], "Downloading|abc|10|100") && !strcmp(seen[2], "Status: done||0|0"),
		   "pull: each status line, split across chunks, reaches progress (%s; %d: %s, %s)", k ? e.msg : "ok", n_seen, seen[1], seen[2]);
		(void) docker_ref_parse("x@sha256:0000000000000000000000000000000000000000000000000000000000000000", &ref, &e);
		k = docker_image_pull(&d, &ref, NULL, NULL, NULL, &e);
		OK(k < 0 && err_exit_code(&e) == 102 && strstr(e.msg, "manifest unknown"), "pull: a pinned digest the registry does not have: exit 102 (%s)", e.msg);
		(void) docker_ref_parse("x:v1", &ref, &e);
		k = docker_image_pull(&d, &ref, NULL, NULL, NULL, &e);
		OK(k < 0 && err_exit_code(&e) == 100 && strstr(e.msg, "pull access denied"), "pull: access denied: exit 100 (%s)", e.msg);
		k = docker_image_pull(&d, &ref, NULL, NULL, NULL, &e);
		OK(k < 0 && err_exit_code(&e) == 102, "pull: content that fails its digest: exit 102 (%s)", e.msg);
		k = docker_image_repo_digest(&d, "public.ecr.aws/ecs/amazon-ecs-agent:v1", "public.ecr.aws/ecs/amazon-ecs-agent", dig, sizeof dig, &e);
		OK(k == 1 && !strcmp(dig, "sha256:22"), "RepoDigests: the one for the name pulled (%s)", k == 1 ? dig : e.msg);
	}
	{
		char b[16];
		OK(b64_encode((const unsigned char *) "\xfb\xff", 2, b, sizeof b, true) == 4 && !strcmp(b, "-_8="), "base64url: - and _ (%s)", b);
		OK(b64_encode((const unsigned char *) "\xfb\xff", 2, b, sizeof b, false) == 4 && !strcmp(b, "+/8="), "base64: + and / (%s)", b);
		EQ_INT((int) b64_encode((const unsigned char *) "abc", 3, b, 4, false), 0, "base64: no room for the NUL: 0");
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
