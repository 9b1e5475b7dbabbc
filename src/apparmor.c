/* apparmor.c: the agent container's AppArmor profile (see apparmor.h).
 *
 * What the agent does, and so what the profile allows:
 * - talks to Docker (/var/run/docker.sock), to systemd (/run/systemd/private: task cgroups on
 *   cgroup v2 are made through systemd) and to ECS, S3 and its introspection clients: unix,
 *   inet, inet6 and netlink sockets (task networking), D-Bus;
 * - creates, fills and removes task cgroups under /sys/fs/cgroup, runs the host's iptables
 *   through /host/sbin (capabilities NET_ADMIN and SYS_ADMIN, which its container is given),
 *   writes its log, data and the update it downloads: files anywhere it is bound;
 * - is stopped by Docker (signals from unconfined processes), and reads the /proc of the
 *   containers it starts (docker-default) and of its own children.
 * What it is kept from: mounting (it needs no mount; umount stays allowed, as in Docker's
 * own profile), writing the kernel's knobs under /proc/sys except networking (task networks),
 * /proc/sysrq-trigger and /proc/kcore, and anything under /sys but cgroups, the firmware and
 * the security filesystem (this very profile's policy) included.
 * Without tunables/global (a minimal AppArmor install) @{PROC} is defined here. */
#include "apparmor.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/exec.h"
#include "lib/fileio.h"
#include "log.h"

#define PROFILE_BODY \
	"profile " APPARMOR_PROFILE_NAME " flags=(attach_disconnected,mediate_deleted) {\n" \
	"%s" \
	"  network,\n" \
	"  capability,\n" \
	"  file,\n" \
	"  umount,\n" \
	"  dbus,\n" \
	"  signal (receive) peer=unconfined,\n" \
	"  signal (send, receive) peer=" APPARMOR_PROFILE_NAME ",\n" \
	"  ptrace (read, readby, trace, tracedby) peer=" APPARMOR_PROFILE_NAME ",\n" \
	"  ptrace (read, trace) peer=docker-default,\n" \
	"\n" \
	"  deny mount,\n" \
	"  deny @{PROC}/sys/{abi,debug,dev,fs,kernel,user,vm}/** wklx,\n" \
	"  deny @{PROC}/sysrq-trigger rwklx,\n" \
	"  deny @{PROC}/kcore rwklx,\n" \
	"  # /sys: only the cgroup tree is written\n" \
	"  deny /sys/[^f]*/** wklx,\n" \
	"  deny /sys/f[^s]*/** wklx,\n" \
	"  deny /sys/fs/[^c]*/** wklx,\n" \
	"  deny /sys/fs/c[^g]*/** wklx,\n" \
	"  deny /sys/fs/cg[^r]*/** wklx,\n" \
	"  deny /sys/firmware/** rwklx,\n" \
	"  deny /sys/kernel/security/** rwklx,\n" \
	"}\n"

int apparmor_profile_text(bool tunables, bool base, char *buf, size_t cap)
{
	char head[200];
	int n;

	(void) snprintf(head, sizeof head, "# Written by ecs-bootstrap: the Amazon ECS agent's container.\n%s\n",
			tunables ? "#include <tunables/global>" : "@{PROC}=/proc/");
	n = snprintf(buf, cap, "%s" PROFILE_BODY, head, base ? "  #include <abstractions/base>\n\n" : "");
	return n < 0 || (size_t) n >= cap ? -E2BIG : n;
}

/* The profile as it is written on this host: with the distribution's includes when they
 * are there. */
static int profile_text(struct run *r, char *buf, size_t cap)
{
	return apparmor_profile_text(fileio_exists(r->root_fd, "/etc/apparmor.d/tunables/global") > 0,
				     fileio_exists(r->root_fd, "/etc/apparmor.d/abstractions/base") > 0, buf, cap);
}

bool apparmor_enabled(struct run *r)
{
	char v[4] = "";
	size_t n = 0;
	struct bs_err ignore;

	/* as Docker decides it: the module says Y and its security filesystem is there (the
	 * parameter alone says Y on a kernel where AppArmor is built in but not the active LSM) */
	return fileio_read_bounded(r->root_fd, "/sys/module/apparmor/parameters/enabled", v, sizeof v - 1, &n, &ignore) == 0 &&
	       n > 0 && v[0] == 'Y' && fileio_exists(r->root_fd, "/sys/kernel/security/apparmor") > 0;
}

bool apparmor_loaded(struct run *r, const char *name)
{
	static char list[1024 * 1024 + 1];
	size_t n = 0, len = strlen(name);
	struct bs_err ignore;

	if (fileio_read_bounded(r->root_fd, "/sys/kernel/security/apparmor/profiles", list, sizeof list - 1, &n, &ignore) < 0)
		return false;
	list[n] = '\0';
	/* one profile a line: "NAME (enforce)" */
	for (const char *l = list; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
		if (!strncmp(l, name, len) && l[len] == ' ' && l[len + 1] == '(')
			return true;
	return false;
}

/* apparmor_parser is there (it is run by name, from PATH). */
static bool have_parser(struct run *r)
{
	return fileio_exists(r->root_fd, "/sbin/apparmor_parser") > 0 || fileio_exists(r->root_fd, "/usr/sbin/apparmor_parser") > 0;
}

int apparmor_check(struct run *r)
{
	static char text[4096];
	int n, k;

	if (!apparmor_enabled(r))
		return 1;
	if (!have_parser(r)) {
		log_msg(LOG_WARNING, "service", "AppArmor is enabled but apparmor_parser is missing (package apparmor): the "
			"agent cannot get its profile %s, and Docker cannot load its own", APPARMOR_PROFILE_NAME);
		return 1;
	}
	n = profile_text(r, text, sizeof text);
	if (n < 0)
		return err_setx(&r->err, n, BS_EXIT_INTERNAL, "the AppArmor profile does not fit");
	k = fileio_equals(r->root_fd, APPARMOR_PROFILE_PATH, text, (size_t) n, 0644, &r->err);
	if (k <= 0) {
		if (k == 0)
			run_why(r, "'%s' missing or different", APPARMOR_PROFILE_PATH);
		return k;
	}
	if (!apparmor_loaded(r, APPARMOR_PROFILE_NAME)) {
		run_why(r, "AppArmor profile %s not loaded", APPARMOR_PROFILE_NAME);
		return 0;
	}
	return 1;
}

int apparmor_apply(struct run *r)
{
	static char text[4096], out[8192];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = out, .out_cap = sizeof out };
	int n, k;

	if (!apparmor_enabled(r) || !have_parser(r))
		return 0;
	n = profile_text(r, text, sizeof text);
	if (n < 0)
		return err_setx(&r->err, n, BS_EXIT_INTERNAL, "the AppArmor profile does not fit");
	k = fileio_mkdir_p(r->root_fd, "/etc/apparmor.d", 0755, &r->err);
	if (k == 0 && (k = fileio_equals(r->root_fd, APPARMOR_PROFILE_PATH, text, (size_t) n, 0644, &r->err)) == 0)
		k = fileio_write_atomic(r->root_fd, APPARMOR_PROFILE_PATH, text, (size_t) n, 0644, &r->err);
	if (k < 0)
		return k;
	{
		/* -r: replace a loaded one; -K: no binary cache (a read-only or foreign cache) */
		char path[600];
		(void) snprintf(path, sizeof path, "%s" APPARMOR_PROFILE_PATH, strcmp(r->root, "/") ? r->root : "");
		const char *const argv[] = { "apparmor_parser", "-r", "-K", path, NULL };
		k = exec_must(argv, 60000, &res, BS_EXIT_INTERNAL, &r->err);
	}
	if (k < 0)
		return k;
	log_msg(LOG_INFO, "service", "AppArmor profile %s loaded (%s)", APPARMOR_PROFILE_NAME, APPARMOR_PROFILE_PATH);
	return 0;
}
