/* exec.c: see exec.h. */
#include "exec.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOOL_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static int try_dir(const char *dir, size_t dlen, const char *name, char *buf, size_t cap)
{
	struct stat st;
	int n = snprintf(buf, cap, "%.*s/%s", (int) dlen, dir, name);
	if (n < 0 || (size_t) n >= cap)
		return 0;
	return stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0;
}

int exec_find(const char *td, const char *name, char *buf, size_t cap)
{
	const char *p = TOOL_PATH;

	if (strchr(name, '/'))
		return -EINVAL;
	if (td && *td && try_dir(td, strlen(td), name, buf, cap))
		return 0;
	while (*p) {
		const char *c = strchr(p, ':');
		size_t n = c ? (size_t) (c - p) : strlen(p);
		if (try_dir(p, n, name, buf, cap))
			return 0;
		p += n + (c ? 1 : 0);
	}
	return -ENOENT;
}

int exec_run(const char *const argv[], int timeout_ms, struct exec_result *ret, struct bs_err *e)
{
	char *envp[9] = { "PATH=" TOOL_PATH, "LC_ALL=C", NULL };
	char path[4096];
	long long deadline = clock_ms() + timeout_ms;
	int pfd[2], st = 0, r;
	pid_t pid;
	bool killed = false;

	for (size_t i = 0; ret->env && ret->env[i] && i < 6; i++)
		envp[2 + i] = (char *) ret->env[i];
	ret->out_len = 0;
	ret->truncated = false;
	ret->out[0] = '\0';
	ret->status = -1;
	r = exec_find(ret->tool_dir, argv[0], path, sizeof path);
	if (r < 0)
		return err_set(e, -ENOENT, "'%s' not found in %s%s%s", argv[0], ret->tool_dir ? ret->tool_dir : "",
			       ret->tool_dir ? ":" : "", TOOL_PATH);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_set(e, -errno, "%s: pipe: %s", argv[0], strerror(errno));
	pid = fork();
	if (pid < 0) {
		r = -errno;
		(void) close(pfd[0]);
		(void) close(pfd[1]);
		return err_set(e, r, "%s: fork: %s", argv[0], strerror(-r));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(pfd[1], 2) < 0)
			_exit(127);
		(void) signal(SIGPIPE, SIG_DFL);
		execve(path, (char *const *) argv, (char *const *) envp);
		_exit(127);
	}
	(void) close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		long long left = deadline - clock_ms();
		char sink[512];
		ssize_t n;

		if (left <= 0) {
			(void) kill(pid, SIGKILL);
			killed = true;
			break;
		}
		r = poll(&p, 1, (int) left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue; /* timeout: handled at the top of the loop */
		if (ret->out_len < ret->out_cap - 1)
			n = read(pfd[0], ret->out + ret->out_len, ret->out_cap - 1 - ret->out_len);
		else
			n = read(pfd[0], sink, sizeof sink);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (ret->out_len < ret->out_cap - 1)
			ret->out_len += (size_t) n;
		else
			ret->truncated = true;
	}
	(void) close(pfd[0]);
	ret->out[ret->out_len] = '\0';
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return err_set(e, -errno, "%s: waitpid: %s", argv[0], strerror(errno));
	}
	if (killed)
		return err_set(e, -ETIMEDOUT, "%s: killed after %d ms without finishing", argv[0], timeout_ms);
	ret->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

int exec_must(const char *const argv[], int timeout_ms, struct exec_result *ret, int exit_class, struct bs_err *e)
{
	char cmd[256];
	size_t n = 0;
	int k = exec_run(argv, timeout_ms, ret, e);

	if (k < 0 || ret->status == 0)
		return k;
	for (size_t i = 0; argv[i] && n < sizeof cmd - 1; i++) {
		int w = snprintf(cmd + n, sizeof cmd - n, "%s%s", i ? " " : "", argv[i]);
		n += w < 0 ? 0 : (size_t) w;
	}
	return err_setx(e, -EIO, exit_class, "%s exited %d: %s", cmd, ret->status, exec_first_line(ret));
}

const char *exec_first_line(struct exec_result *res)
{
	char *s = res->out, *nl;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	return s;
}
