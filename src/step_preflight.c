/* step_preflight.c: facts about the machine, checked before anything changes.
 *
 * Owns: nothing (reads only).  "Converged" means the machine can be converged:
 * we are root, /etc/os-release names the distribution, iptables is installed (its
 * backend, nf_tables or legacy, is recorded), and whether systemd runs.  A failure
 * here is a configuration problem (exit 100): retrying will not help.
 * Crash analysis: nothing is written, a crash leaves nothing behind.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/exec.h"
#include "lib/fileio.h"
#include "steps.h"

/* Copy the (unquoted) value of KEY= from os-release text into buf. */
static void os_field(const char *text, const char *key, char *buf, size_t cap)
{
	size_t kn = strlen(key);
	const char *p = text;

	buf[0] = '\0';
	for (; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *v, *end;
		size_t n;
		if (strncmp(p, key, kn) != 0 || p[kn] != '=')
			continue;
		v = p + kn + 1;
		end = strchr(v, '\n');
		n = end ? (size_t) (end - v) : strlen(v);
		if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
			v++, n -= 2;
		if (n >= cap)
			n = cap - 1;
		memcpy(buf, v, n);
		buf[n] = '\0';
	}
}

static int read_os_release(struct run *r)
{
	char text[BS_SMALL_FILE_MAX];
	size_t n;
	int k = fileio_read_bounded(r->root_fd, PATH_OS_RELEASE, text, sizeof text, &n, &r->err);

	if (k == -ENOENT)
		k = fileio_read_bounded(r->root_fd, PATH_OS_RELEASE_USR, text, sizeof text, &n, &r->err);
	if (k < 0) {
		err_wrap(&r->err, "cannot identify the distribution");
		r->err.exit_class = BS_EXIT_USAGE;
		return k;
	}
	os_field(text, "ID", r->os_id, sizeof r->os_id);
	os_field(text, "VERSION_ID", r->os_version_id, sizeof r->os_version_id);
	os_field(text, "PRETTY_NAME", r->os_pretty, sizeof r->os_pretty);
	os_field(text, "ID_LIKE", r->os_id_like, sizeof r->os_id_like);
	if (!r->os_id[0])
		return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE, "'%s' has no ID= line", PATH_OS_RELEASE);
	return 0;
}

/* Which iptables: the nf_tables or the legacy one.  Since iptables 1.8 both are one
 * multi-call binary each (xtables-nft-multi, xtables-legacy-multi) behind the iptables
 * link (Debian's alternatives, RHEL's, Amazon Linux's), so resolving the link answers
 * without starting a process; anything else is asked `iptables -V`. */
static int probe_iptables(struct run *r)
{
	static const char *const argv[] = { "iptables", "-V", NULL };
	char out[1024], path[4096], real[PATH_MAX];
	struct exec_result res = { .tool_dir = r->tool_dir, .out = out, .out_cap = sizeof out };
	const char *base;
	int k;

	r->have_ipv6 = fileio_exists(r->root_fd, PATH_PROC_IPV6) > 0;
	r->have_ip6tables = exec_find(r->tool_dir, "ip6tables", path, sizeof path) == 0;
	if (exec_find(r->tool_dir, "iptables", path, sizeof path) == 0 && realpath(path, real)) {
		base = strrchr(real, '/') ? strrchr(real, '/') + 1 : real;
		if (!strcmp(base, "xtables-nft-multi") || !strcmp(base, "xtables-legacy-multi")) {
			r->ipt_backend = strstr(base, "nft") ? "nf_tables" : "legacy";
			(void) snprintf(r->ipt_version, sizeof r->ipt_version, "iptables (%s)", r->ipt_backend);
			return 0;
		}
	}
	k = exec_must(argv, 10000, &res, BS_EXIT_USAGE, &r->err);
	if (k == -ENOENT)
		return err_setx(&r->err, k, BS_EXIT_USAGE,
				"iptables is not installed: install it (Debian/Ubuntu: apt-get install iptables; RHEL: dnf install iptables-nft)");
	if (k < 0)
		return k;
	(void) snprintf(r->ipt_version, sizeof r->ipt_version, "%s", exec_first_line(&res));
	r->ipt_backend = strstr(r->ipt_version, "nf_tables") ? "nf_tables" : "legacy";
	return 0;
}

/* --method auto: Amazon Linux has ecs-init packaged, and the AWS documents install it. */
static void resolve_method(struct run *r)
{
	r->package = r->method_opt && !strcmp(r->method_opt, "package") ? true
		     : r->method_opt && !strcmp(r->method_opt, "container") ? false
		     : !strcmp(r->os_id, "amzn");
}

int preflight_method(struct run *r)
{
	struct bs_err saved = r->err;
	if (read_os_release(r) < 0)
		r->os_id[0] = '\0'; /* preflight reports it */
	r->err = saved;
	resolve_method(r);
	return 0;
}

int preflight_check(struct run *r)
{
	int k;

	/* Whether it must run as root is main.c's table's to say (a --root tree need not). */
	k = r->os_id[0] ? 0 : read_os_release(r); /* preflight_method read it already, unless that failed */
	if (k < 0)
		return k;
	k = probe_iptables(r);
	if (k < 0)
		return k;
	r->have_systemd = fileio_exists(r->root_fd, PATH_SYSTEMD_RUNDIR) > 0;
	resolve_method(r);
	r->have_docker0 = fileio_exists(r->root_fd, PATH_DOCKER0_BRIDGE) > 0;
	{
		char v[8];
		size_t n;
		struct bs_err ignore;
		r->selinux_enforcing = fileio_read_bounded(r->root_fd, "/sys/fs/selinux/enforce", v, sizeof v, &n, &ignore) == 0 &&
				       v[0] == '1';
	}
	char ec2[200] = "";
	if (r->instance_id_source && !strcmp(r->instance_id_source, "IMDS"))
		(void) snprintf(ec2, sizeof ec2, "EC2 %.120s%s%.60s, ", r->instance_id, r->az[0] ? " in " : "", r->az);
	run_done(r, "%s%s, %s, %s, %s, method %s", ec2, r->os_pretty[0] ? r->os_pretty : r->os_id, r->ipt_version,
		 r->have_systemd ? "systemd" : "no systemd", r->have_ipv6 && r->have_ip6tables ? "ip6tables" : "no ip6tables",
		 r->package ? "package (ecs-init)" : "container");
	return 1;
}
