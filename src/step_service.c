/* step_service.c: the agent service.
 *
 * With systemd (/run/systemd/system exists), owns:
 *   /usr/local/bin/ecs-bootstrap      this binary (replaced atomically only when different)
 *   /etc/systemd/system/ecs.service   the unit (SERVICE_UNIT below)
 * Converged: both files equal, `systemctl is-enabled ecs.service` says enabled and
 * `systemctl is-active` says active or activating.  apply() writes what differs, runs
 * `systemctl daemon-reload` after a unit change, then `systemctl enable --now --no-block
 * ecs.service`: --no-block only queues the start, so this never waits on a unit ordered
 * after cloud-final (the documented user-data deadlock).  The unit has no ordering on
 * cloud-final for the same reason.
 * Where AppArmor is enabled, also /etc/apparmor.d/ecs-agent-default, written and loaded
 * (apparmor.c): converged when the file is exact and the kernel has the profile.
 * Without systemd: say so, and let Docker supervise: the ecs-agent container with the
 * restart policy on-failure:10 of the installation document.  Converged: it is running.
 * Crash analysis: files are written atomically; enable and start are idempotent commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent_container.h"
#include "apparmor.h"
#include "lib/exec.h"
#include "lib/fileio.h"
#include "log.h"
#include "steps.h"

#define BIN_PATH  "/usr/local/bin/ecs-bootstrap"
#define UNIT_PATH "/etc/systemd/system/ecs.service"

/* Checklist: README's service section, DESIGN's unit description. */
#define SERVICE_UNIT \
	"# Written by ecs-bootstrap.  The Amazon ECS agent, supervised by `ecs-bootstrap agent`.\n" \
	"[Unit]\n" \
	"Description=Amazon ECS agent (ecs-bootstrap)\n" \
	"Documentation=man:ecs-bootstrap(8)\n" \
	"Wants=docker.service network-online.target\n" \
	"After=docker.service network-online.target\n" \
	"PartOf=docker.service\n" \
	"\n" \
	"[Service]\n" \
	"Type=simple\n" \
	"ExecStart=" BIN_PATH " agent\n" \
	"Restart=on-failure\n" \
	"RestartSec=10s\n" \
	"RestartPreventExitStatus=5\n" \
	"TimeoutStartSec=15min\n" \
	"TimeoutStopSec=60s\n" \
	"\n" \
	"[Install]\n" \
	"WantedBy=multi-user.target\n"


void service_inputs(struct run *r, struct sha256_ctx *h)
{
	if (r->package)
		sha256_update_str(h, r->have_systemd ? "package ecs-init, systemd" : "package ecs-init, upstart");
	else
		sha256_update_str(h, r->have_systemd ? SERVICE_UNIT : "docker restart policy on-failure:10");
}

/* This binary, to compare with and copy to BIN_PATH a piece at a time (never held whole). */
static int open_self(struct run *r)
{
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? fd : err_set(&r->err, -errno, "open '/proc/self/exe': %s", strerror(errno));
}

/* 1 when BIN_PATH is this binary (0755), 0 when not, < 0 on errors. */
static int self_installed(struct run *r)
{
	int fd = open_self(r), k;
	if (fd < 0)
		return fd;
	k = fileio_equals_file(r->root_fd, BIN_PATH, fd, 0755, &r->err);
	(void) close(fd);
	return k;
}

/* `systemctl show -p UnitFileState -p ActiveState ecs.service` into the two buffers. */
static int systemctl_show(struct run *r, char *enabled, size_t ecap, char *active, size_t acap)
{
	static const char *const argv[] = { "systemctl", "show", "-p", "UnitFileState", "-p", "ActiveState", "ecs.service", NULL };
	static char buf[4096];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = buf, .out_cap = sizeof buf };
	int k;

	enabled[0] = active[0] = '\0';
	k = exec_must(argv, 60000, &res, BS_EXIT_TEMP, &r->err);
	if (k < 0)
		return k;
	for (char *p = buf; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (!strncmp(p, "UnitFileState=", 14))
			(void) snprintf(enabled, ecap, "%s", p + 14);
		else if (!strncmp(p, "ActiveState=", 12))
			(void) snprintf(active, acap, "%s", p + 12);
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

/* Run a tool: its exit status (its first output line in out), or < 0 if it could not run. */
static int run_status(struct run *r, const char *const argv[], int timeout_ms, char *out, size_t cap)
{
	static char buf[8192];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = buf, .out_cap = sizeof buf };
	int k = exec_run(argv, timeout_ms, &res, &r->err);

	if (k < 0)
		return k;
	if (out)
		(void) snprintf(out, cap, "%s", exec_first_line(&res));
	return res.status;
}

/* Run a tool and require exit 0 (exec_must: the error names the command and its output). */
static int must(struct run *r, const char *const argv[], int timeout_ms)
{
	static char buf[8192];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = buf, .out_cap = sizeof buf };
	return exec_must(argv, timeout_ms, &res, BS_EXIT_TEMP, &r->err);
}

/* `systemctl ARGS...` must exit 0. */
static int systemctl(struct run *r, const char *a1, const char *a2, const char *a3, const char *a4)
{
	const char *const argv[] = { "systemctl", a1, a2, a3, a4, NULL };
	return must(r, argv, 60000);
}

/* ecs.service enabled, and (unless --no-start or baking an image) active or activating. */
static int unit_state_ok(struct run *r)
{
	char enabled[128], active[128];
	/* One process for both facts: `systemctl show` prints UnitFileState= and ActiveState=. */
	int k = systemctl_show(r, enabled, sizeof enabled, active, sizeof active);

	if (k < 0)
		return k;
	if (strcmp(enabled, "enabled") != 0) {
		run_why(r, "ecs.service is %s", enabled[0] ? enabled : "not enabled");
		return 0;
	}
	if (r->no_start)
		return 1; /* --no-start, or an image: enabled, not started */
	if (strcmp(active, "active") != 0 && strcmp(active, "activating") != 0) {
		run_why(r, "ecs.service is %s", active[0] ? active : "inactive");
		return 0;
	}
	return 1;
}

/* ---- --method package (Amazon Linux): the distribution's ecs-init provides ecs.service (an
 * upstart job `ecs` on the Amazon Linux AMI), installed and started with the commands of the
 * AWS documents.  Converged: `rpm -q ecs-init` succeeds and the unit (job) is enabled and
 * running.  We write no unit of our own: ecs-init's is the one that runs. */
#define PKG_TIMEOUT_MS (15 * 60 * 1000)

/* Run a tool; 1 if it exited 0, 0 if not (its first output line in out), < 0 if it could not run. */
static int tool(struct run *r, const char *const argv[], int timeout_ms, char *out, size_t cap)
{
	int k = run_status(r, argv, timeout_ms, out, cap);
	return k < 0 ? k : k == 0;
}

static const char *amazon_linux(const struct run *r)
{
	if (!strcmp(r->os_version_id, "2"))
		return "Amazon Linux 2";
	if (!strcmp(r->os_version_id, "2023"))
		return "Amazon Linux 2023";
	return "Amazon Linux AMI";
}

static int package_check(struct run *r)
{
	static const char *const rpm_q[] = { "rpm", "-q", "ecs-init", NULL };
	static const char *const initctl[] = { "initctl", "status", "ecs", NULL };
	char out[256];
	int k = tool(r, rpm_q, 60000, NULL, 0);

	if (k <= 0) {
		if (k == 0)
			run_why(r, "ecs-init is not installed (%s)", amazon_linux(r));
		return k;
	}
	if (r->have_systemd)
		return unit_state_ok(r);
	if (r->no_start)
		return 1;
	k = tool(r, initctl, 60000, out, sizeof out);
	if (k < 0)
		return k;
	if (!strstr(out, "start/running")) {
		run_why(r, "the upstart job ecs is not running: %s", out);
		return 0;
	}
	return 1;
}

static int package_apply(struct run *r)
{
	static const char *const rpm_q[] = { "rpm", "-q", "ecs-init", NULL };
	static const char *const al2_disable[] = { "amazon-linux-extras", "disable", "docker", NULL };
	static const char *const al2_install[] = { "amazon-linux-extras", "install", "-y", "ecs", NULL };
	static const char *const dnf_install[] = { "dnf", "install", "-y", "ecs-init", NULL };
	static const char *const yum_install[] = { "yum", "install", "-y", "ecs-init", NULL };
	static const char *const enable_now[] = { "systemctl", "enable", "--now", "--no-block", "ecs.service", NULL };
	static const char *const enable[] = { "systemctl", "enable", "ecs.service", NULL };
	static const char *const start[] = { "start", "ecs", NULL };
	const char *how = amazon_linux(r);
	char out[256];
	int k = tool(r, rpm_q, 60000, NULL, 0);

	if (k < 0)
		return k;
	if (k == 0) {
		if (!strcmp(how, "Amazon Linux 2")) {
			k = must(r, al2_disable, PKG_TIMEOUT_MS); /* the installation document's order */
			if (k == 0)
				k = must(r, al2_install, PKG_TIMEOUT_MS);
		} else {
			k = must(r, strcmp(how, "Amazon Linux 2023") ? yum_install : dnf_install, PKG_TIMEOUT_MS);
		}
		if (k < 0)
			return k;
	}
	if (r->have_systemd) {
		k = must(r, r->no_start ? enable : enable_now, 60000);
		if (k < 0)
			return k;
	} else if (!r->no_start) {
		k = tool(r, start, 60000, out, sizeof out);
		if (k < 0)
			return k;
		if (k == 0 && !strstr(out, "already running"))
			return err_setx(&r->err, -EIO, BS_EXIT_TEMP, "start ecs failed: %s", out);
	}
	run_done(r, "%s: ecs-init installed, ecs %s", how, r->no_start ? "enabled" : r->have_systemd ? "enabled and started (--no-block)" : "started (upstart)");
	return 0;
}

int service_check(struct run *r)
{
	int k;

	if (r->package)
		return package_check(r);
	k = apparmor_check(r); /* where AppArmor is on: the agent's profile, written and loaded */
	if (k <= 0)
		return k;
	if (!r->have_systemd && r->no_start) {
		run_done(r, "agent not started (%s): no container without systemd", r->bake ? "an image" : "--no-start");
		return 1; /* a later run starts it; an image holds no container */
	}
	if (!r->have_systemd) {
		return agent_container_current(r); /* running, and made from the ecs.config of now */
	}
	k = self_installed(r);
	if (k <= 0) {
		if (k == 0)
			run_why(r, "'%s' is not this binary", BIN_PATH);
		return k;
	}
	k = fileio_equals(r->root_fd, UNIT_PATH, SERVICE_UNIT, strlen(SERVICE_UNIT), 0644, &r->err);
	if (k <= 0) {
		if (k == 0)
			run_why(r, "'%s' missing or different", UNIT_PATH);
		return k;
	}
	return unit_state_ok(r);
}

int service_apply(struct run *r)
{
	bool reload = false;
	int k;

	if (r->package)
		return package_apply(r);
	k = apparmor_apply(r);
	if (k < 0)
		return k;
	if (!r->have_systemd) {
		log_msg(LOG_WARNING, "service", "no systemd here: Docker supervises the agent (restart policy on-failure:10)");
		k = agent_start_with_restart_policy(r);
		if (k == 0)
			run_done(r, "ecs-agent container started with a Docker restart policy");
		return k;
	}
	k = fileio_mkdir_p(r->root_fd, "/usr/local/bin", 0755, &r->err);
	if (k == 0 && (k = self_installed(r)) == 0) {
		int fd = open_self(r);
		k = fd < 0 ? fd : fileio_copy_atomic(r->root_fd, BIN_PATH, fd, 0755, &r->err);
		if (fd >= 0)
			(void) close(fd);
	}
	if (k < 0)
		return k;
	k = fileio_mkdir_p(r->root_fd, "/etc/systemd/system", 0755, &r->err);
	if (k == 0 && (k = fileio_equals(r->root_fd, UNIT_PATH, SERVICE_UNIT, strlen(SERVICE_UNIT), 0644, &r->err)) == 0) {
		k = fileio_write_atomic(r->root_fd, UNIT_PATH, SERVICE_UNIT, strlen(SERVICE_UNIT), 0644, &r->err);
		reload = true;
	}
	if (k < 0)
		return k;
	if (reload && (k = systemctl(r, "daemon-reload", NULL, NULL, NULL)) < 0)
		return k;
	/* --no-block: queue the start and return, whatever is ordered before ecs.service.
	 * --no-start and bake: enable only; a later run, or the instance's boot, starts it. */
	k = r->no_start ? systemctl(r, "enable", "ecs.service", NULL, NULL)
		    : systemctl(r, "enable", "--now", "--no-block", "ecs.service");
	if (k < 0)
		return k;
	if (r->no_start)
		run_done(r, "ecs.service enabled, not started (%s)", r->bake ? "an image" : "--no-start");
	else
		run_done(r, "ecs.service enabled and started (--no-block)");
	return 0;
}
