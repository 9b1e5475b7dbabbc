/* step_docker.c: Docker Engine installed, enabled at boot and answering.
 *
 * The installation document's first step on a distribution other than the ECS-optimized
 * AMI is "install Docker": stock Debian and Ubuntu images have none.
 * Owns: the distribution's Docker package, installed only where Docker is missing, and its
 * unit enabled (with systemd).
 * Converged: Docker answers /_ping on its socket (DOCKER_HOST, else /var/run/docker.sock under
 * the root) and, with systemd, docker.service or docker.socket is enabled (asked once a boot;
 * a valid checkpoint skips the question).
 * apply():
 *   - Docker missing (no dockerd and no docker.service unit file under the root): with
 *     --no-install-docker, exit 100 "Docker is not installed"; on a --root tree other than /
 *     or with DOCKER_HOST set, also 100 (nothing is installed there).  Else the distribution's
 *     own package (package_for()); a package manager that fails is 111 with its error line (a
 *     mirror out of reach, the dpkg lock held for 5 minutes): retrying may help.
 *   - with systemd: `systemctl enable --now docker.service`, then /_ping for at most 60 s;
 *   - without systemd, Docker installed but not answering: 111 (start dockerd).
 * Crash analysis: a crash during the install leaves what the package manager leaves; on
 * Debian an interrupted dpkg is finished (`dpkg --configure -a`) before apt-get runs again.
 * Nothing of ours is written but the checkpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "apparmor.h"
#include "lib/clock.h"
#include "lib/docker.h"
#include "lib/exec.h"
#include "lib/fileio.h"
#include "log.h"
#include "steps.h"

#define INSTALL_TIMEOUT_MS (20 * 60 * 1000) /* a package manager on a slow mirror */
#define START_WAIT_MS 60000

static const char *const dockerd_paths[] = { "/usr/bin/dockerd", "/usr/sbin/dockerd", "/usr/local/bin/dockerd",
					     "/bin/dockerd", "/sbin/dockerd" };
static const char *const unit_paths[] = { "/etc/systemd/system/docker.service", "/usr/lib/systemd/system/docker.service",
					  "/lib/systemd/system/docker.service" };

/* A regular, non-empty file at path under the root (a /dev/null bound over it is not). */
static bool regular_file(struct run *r, const char *path)
{
	struct stat st;
	return fstatat(r->root_fd, path[0] == '/' ? path + 1 : path, &st, 0) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Docker installed: dockerd or docker.service under the root.  Names what was found. */
static const char *installed(struct run *r)
{
	for (size_t i = 0; i < sizeof dockerd_paths / sizeof dockerd_paths[0]; i++)
		if (regular_file(r, dockerd_paths[i]))
			return dockerd_paths[i];
	for (size_t i = 0; i < sizeof unit_paths / sizeof unit_paths[0]; i++)
		if (regular_file(r, unit_paths[i]))
			return unit_paths[i];
	return NULL;
}

static bool word_in(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static bool os_is(const struct run *r, const char *id)
{
	return !strcmp(r->os_id, id) || word_in(r->os_id_like, id);
}

/* The distribution's Docker package and the commands that install it: 0, or -ENOTSUP. */
struct pkg {
	const char *manager;
	const char *pre[6];    /* run first, its failure only logged (an index update) */
	const char *argv[16];
	const char *env[3];
};

static int package_for(const struct run *r, struct pkg *p)
{
	static const char *const lock[] = { "-o", "DPkg::Lock::Timeout=300" };

	memset(p, 0, sizeof *p);
	if (os_is(r, "debian") || os_is(r, "ubuntu")) {
		/* docker.io: Debian's and Ubuntu's own build of Docker Engine (and containerd, runc),
		 * without its recommends (git, needrestart, ...: a minute under emulation, nothing the
		 * agent uses); install() adds docker-cli where the CLI is a package of its own
		 * (Debian 13 on) and apparmor where the kernel enforces it */
		*p = (struct pkg) { "apt-get", { "apt-get", "-q", lock[0], lock[1], "update", NULL },
				    { "apt-get", "-q", "-y", lock[0], lock[1], "-o", "Dpkg::Options::=--force-confdef", "-o",
				      "Dpkg::Options::=--force-confold", "--no-install-recommends", "install", "docker.io", NULL },
				    /* needrestart (docker.io recommends it) lists, never restarts services mid-boot */
				    { "DEBIAN_FRONTEND=noninteractive", "NEEDRESTART_MODE=l", NULL } };
		return 0;
	}
	if (!strcmp(r->os_id, "amzn")) { /* Amazon Linux's docker: dnf on 2023, yum on 2 */
		bool al2 = !strcmp(r->os_version_id, "2");
		*p = (struct pkg) { al2 ? "yum" : "dnf", { NULL }, { al2 ? "yum" : "dnf", "-y", "install", "docker", NULL }, { NULL } };
		return 0;
	}
	if (!strcmp(r->os_id, "fedora")) { /* Fedora's Docker Engine is moby-engine */
		*p = (struct pkg) { "dnf", { NULL }, { "dnf", "-y", "install", "moby-engine", NULL }, { NULL } };
		return 0;
	}
	if (os_is(r, "suse")) {
		*p = (struct pkg) { "zypper", { NULL }, { "zypper", "--non-interactive", "install", "docker", NULL }, { NULL } };
		return 0;
	}
	return -ENOTSUP; /* RHEL and its rebuilds ship Podman: Docker CE comes from Docker's repository */
}

/* The packages P's command installs (its words after "install"), space-separated, into buf. */
static const char *packages(const struct pkg *p, char *buf, size_t cap)
{
	size_t i = 0, n = 0;
	buf[0] = '\0';
	while (p->argv[i] && strcmp(p->argv[i], "install") != 0)
		i++;
	for (i += p->argv[i] != NULL; p->argv[i] && n < cap; i++)
		n += (size_t) snprintf(buf + n, cap - n, "%s%s", n ? " " : "", p->argv[i]);
	return buf;
}

/* The line of a package manager's output that says what went wrong: the last "E: " line
 * (apt), else the last non-empty line. */
static void last_error_line(const char *out, char *buf, size_t cap)
{
	const char *best = NULL, *line = out;
	size_t best_n = 0;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t) (nl - line) : strlen(line);
		if (n && (!best || strncmp(best, "E: ", 3) != 0 || !strncmp(line, "E: ", 3)))
			best = line, best_n = n;
		line += n + (nl ? 1 : 0);
	}
	(void) snprintf(buf, cap, "%.*s", (int) (best_n > 300 ? 300 : best_n), best ? best : "");
}

static char tool_out[256 * 1024];

static int install(struct run *r, char *what, size_t cap)
{
	struct pkg p;
	struct exec_result res = { .tool_dir = r->tool_dir, .out = tool_out, .out_cap = sizeof tool_out };
	char line[320], pk[64];
	long long t0 = clock_ms();
	int k;

	if (package_for(r, &p) < 0)
		return err_setx(&r->err, -ENOTSUP, BS_EXIT_USAGE,
				"Docker is not installed, and %s has no Docker package known here (RHEL and its rebuilds ship "
				"Podman): install Docker Engine (Docker's own repository), or use a distribution that packages it",
				r->os_pretty[0] ? r->os_pretty : r->os_id);
	res.env = p.env;
	if (!strcmp(p.manager, "apt-get")) {
		/* a dpkg run a crash or power loss interrupted: apt-get refuses to go on until it is finished */
		static const char *const configure[] = { "dpkg", "--configure", "-a", NULL };
		if (exec_run(configure, INSTALL_TIMEOUT_MS, &res, &r->err) < 0 || res.status != 0)
			log_msg(LOG_WARNING, "docker", "dpkg --configure -a: %s", res.status > 0 ? exec_first_line(&res) : r->err.msg);
		err_clear(&r->err);
	}
	log_msg(LOG_INFO, "docker", "Docker is not installed: installing %s with %s (a minute or more)", packages(&p, pk, sizeof pk),
		p.manager);
	if (p.pre[0]) {
		k = exec_run(p.pre, INSTALL_TIMEOUT_MS, &res, &r->err);
		if (k < 0 || res.status != 0) {
			last_error_line(tool_out, line, sizeof line);
			log_msg(LOG_WARNING, "docker", "%s %s failed (going on with the package lists it has): %s", p.pre[0],
				p.pre[4] ? p.pre[4] : "", k < 0 ? r->err.msg : line);
			err_clear(&r->err);
		}
	}
	if (!strcmp(p.manager, "apt-get")) {
		static const char *const cli[] = { "apt-cache", "show", "docker-cli", NULL };
		size_t n = 0;
		while (p.argv[n])
			n++;
		if (exec_run(cli, 60000, &res, &r->err) == 0 && res.status == 0)
			p.argv[n++] = "docker-cli";
		err_clear(&r->err);
		if (apparmor_enabled(r))
			p.argv[n++] = "apparmor";
		p.argv[n] = NULL;
	}
	(void) packages(&p, pk, sizeof pk);
	k = exec_run(p.argv, INSTALL_TIMEOUT_MS, &res, &r->err);
	if (k < 0)
		return err_class(&r->err, k == -ENOENT ? BS_EXIT_USAGE : BS_EXIT_TEMP),
		       err_wrap(&r->err, "install Docker (%s)", pk);
	if (res.status != 0) {
		last_error_line(tool_out, line, sizeof line);
		return err_setx(&r->err, -EIO, BS_EXIT_TEMP, "install Docker: %s install %s exited %d: %s (retrying may help)",
				p.manager, pk, res.status, line);
	}
	(void) snprintf(what, cap, "installed %s with %s (%lld s); ", pk, p.manager, (clock_ms() - t0 + 500) / 1000);
	if (!installed(r))
		return err_setx(&r->err, -EIO, BS_EXIT_INTERNAL, "%s install %s exited 0, but there is no dockerd or docker.service",
				p.manager, pk);
	return 0;
}

/* Is docker.service (or docker.socket) enabled?  1 yes (or no such unit: something else
 * starts Docker), 0 disabled, < 0 when systemctl failed to answer. */
static int unit_enabled(struct run *r)
{
	static const char *const argv[] = { "systemctl", "is-enabled", "docker.service", "docker.socket", NULL };
	char out[1024];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = out, .out_cap = sizeof out };
	int k = exec_run(argv, 30000, &res, &r->err);

	if (k < 0)
		return err_class(&r->err, BS_EXIT_TEMP);
	if (res.status == 0)
		return 1;
	return strstr(out, "disabled") ? 0 : 1; /* "not-found" for both: not systemd's to start */
}

static int ping(struct run *r)
{
	r->docker.api[0] = '\0';
	return docker_open(&r->docker, r->root, r->docker_host, &r->err);
}

int docker_check(struct run *r)
{
	int k = ping(r);

	if (k < 0) {
		const char *have = installed(r);
		if (have)
			run_why(r, "Docker (%s) is not answering: %s", have, r->err.msg);
		else
			run_why(r, "Docker is not installed (no dockerd, no docker.service under '%s')", r->root);
		err_clear(&r->err);
		return 0;
	}
	if (r->have_systemd && !r->cp_valid && !(r->docker_host && *r->docker_host)) {
		k = unit_enabled(r);
		if (k < 0)
			return k;
		if (k == 0) {
			run_why(r, "docker.service is not enabled: Docker would not start at the next boot");
			return 0;
		}
	}
	if (!r->done[0])
		run_done(r, "Docker answers on %s (API %s)", r->docker.sock, r->docker.api);
	return 1;
}

int docker_apply(struct run *r)
{
	static const char *const enable[] = { "systemctl", "enable", "--now", "docker.service", NULL };
	char what[160] = "", out[1024];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = out, .out_cap = sizeof out };
	const char *have = installed(r);
	bool other_host = r->docker_host && *r->docker_host, other_root = strcmp(r->root, "/") != 0;
	long long t0;
	int k;

	if (!have) {
		if (r->no_install_docker || other_host || other_root)
			return err_setx(&r->err, -ENOENT, BS_EXIT_USAGE,
					"Docker is not installed (no dockerd, no docker.service under '%s')%s", r->root,
					r->no_install_docker ? ": install it, or run without --no-install-docker"
					: other_host	     ? " and DOCKER_HOST names another socket: start that Docker"
							     : ": a --root tree is never installed into");
		k = install(r, what, sizeof what);
		if (k < 0)
			return k;
		have = installed(r);
	}
	if (other_host)
		return ping(r) < 0 ? err_wrap(&r->err, "DOCKER_HOST's Docker: start it") : 0;
	if (!r->have_systemd) {
		k = ping(r);
		if (k < 0)
			return err_wrap(&r->err, "%sDocker is installed (%s) but not answering, and there is no systemd to start it: start dockerd",
					what, have);
		run_done(r, "%sDocker answers on %s (API %s)", what, r->docker.sock, r->docker.api);
		return 0;
	}
	k = exec_must(enable, 5 * 60 * 1000, &res, BS_EXIT_TEMP, &r->err);
	if (k < 0)
		return err_wrap(&r->err, "%sstart Docker", what);
	for (t0 = clock_ms();; (void) usleep(250 * 1000)) {
		k = ping(r);
		if (k == 0)
			break;
		if (clock_ms() - t0 > START_WAIT_MS)
			return err_wrap(&r->err, "%sdocker.service started, but Docker did not answer within %d s (its log: journalctl -u docker)",
					what, START_WAIT_MS / 1000);
		err_clear(&r->err);
	}
	run_done(r, "%sdocker.service enabled and started; Docker answers on %s (API %s)", what, r->docker.sock, r->docker.api);
	return 0;
}
