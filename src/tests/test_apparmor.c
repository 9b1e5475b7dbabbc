/* test_apparmor.c: the agent's AppArmor profile, compiled by the real apparmor_parser (the
 * apparmor package: scripts/deps.sh installs it; -Q: checked, not loaded into a kernel) with
 * and without the distribution's includes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "apparmor.h"
#include "tap.h"

static const char *parser(void)
{
	static const char *const paths[] = { "/sbin/apparmor_parser", "/usr/sbin/apparmor_parser" };
	const char *env = getenv("APPARMOR_PARSER");
	if (env && *env)
		return env;
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

int main(void)
{
	static char text[8192];
	const char *p = parser();
	const char *base = getenv("APPARMOR_BASE") ? getenv("APPARMOR_BASE") : "/etc/apparmor.d";

	for (int with = 0; with < 2; with++) {
		char file[] = "/tmp/bs-test-apparmor.XXXXXX", cmd[1200];
		int n = apparmor_profile_text(with, with, text, sizeof text), fd, st;
		OK(n > 0 && strstr(text, "profile ecs-agent-default flags=(attach_disconnected,mediate_deleted) {") != NULL,
		   "%s includes: the profile's text (%d bytes)", with ? "with" : "without", n);
		OK(strstr(text, "deny mount,") && strstr(text, "deny /sys/fs/cg[^r]*/** wklx,") && strstr(text, "dbus,"),
		   "%s includes: no mounts, /sys written only under cgroup, D-Bus to systemd", with ? "with" : "without");
		if (!p) {
			OK(1, "# SKIP no apparmor_parser here (package apparmor)");
			continue;
		}
		fd = mkstemp(file);
		if (fd < 0 || write(fd, text, (size_t) n) != n) {
			OK(0, "temporary file");
			continue;
		}
		close(fd);
		(void) snprintf(cmd, sizeof cmd, "%s -Q -K -T --base %s -I %s %s >/tmp/bs-test-apparmor.out 2>&1", p, base, base, file);
		st = system(cmd);
		OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s includes: apparmor_parser compiles it (exit %d)", with ? "with" : "without",
		   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
			(void) system("cat /tmp/bs-test-apparmor.out >&2");
		unlink(file);
	}
	unlink("/tmp/bs-test-apparmor.out");
	return tap_done();
}
