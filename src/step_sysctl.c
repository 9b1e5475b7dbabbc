/* step_sysctl.c: net.ipv4.conf.all.route_localnet = 1, live and persistent.
 *
 * Owns: the live value /proc/sys/net/ipv4/conf/all/route_localnet and the file
 * /etc/sysctl.d/80-ecs-bootstrap.conf (never /etc/sysctl.conf: appending there is
 * what the installation document does, and it is not idempotent).
 * Converged: the live value reads "1" and the file has exactly SYSCTL_CONTENT, mode 0644.
 * check() reads both (cheap; the checkpoint is never trusted for this).
 * apply() writes the file atomically, then the live value.  A wrong file is replaced.
 * Why it matters: without route_localnet the PREROUTING DNAT to 127.0.0.1:51679 is
 * dropped as a martian and tasks in bridge mode get no IAM credentials.
 * Crash analysis: the file is old or new (atomic write); the live value is one write.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "steps.h"

#define SYSCTL_CONTENT \
	"# Written by ecs-bootstrap: Amazon ECS task IAM roles in bridge mode need the\n" \
	"# DNAT of 169.254.170.2:80 to 127.0.0.1:51679, which needs route_localnet.\n" \
	"net.ipv4.conf.all.route_localnet = 1\n"

void sysctl_inputs(struct run *r, struct sha256_ctx *h)
{
	(void) r;
	sha256_update_str(h, SYSCTL_CONTENT);
}

static int live_value(struct run *r, char *buf, size_t cap)
{
	size_t n;
	int k = fileio_read_bounded(r->root_fd, PATH_ROUTE_LOCALNET, buf, cap, &n, &r->err);
	if (k < 0)
		return k;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int sysctl_check(struct run *r)
{
	char v[32];
	int k = live_value(r, v, sizeof v);

	if (k < 0)
		return k;
	if (strcmp(v, "1") != 0) {
		run_why(r, "route_localnet is %s, want 1", v);
		return 0;
	}
	k = fileio_equals(r->root_fd, PATH_SYSCTL_FILE, SYSCTL_CONTENT, strlen(SYSCTL_CONTENT), 0644, &r->err);
	if (k == 0)
		run_why(r, "'%s' missing or different", PATH_SYSCTL_FILE);
	return k;
}

int sysctl_apply(struct run *r)
{
	char v[32];
	int fd, k;

	k = fileio_mkdir_p(r->root_fd, "/etc/sysctl.d", 0755, &r->err);
	if (k < 0)
		return k;
	k = fileio_equals(r->root_fd, PATH_SYSCTL_FILE, SYSCTL_CONTENT, strlen(SYSCTL_CONTENT), 0644, &r->err);
	if (k < 0)
		return k;
	if (k == 0) {
		k = fileio_write_atomic(r->root_fd, PATH_SYSCTL_FILE, SYSCTL_CONTENT, strlen(SYSCTL_CONTENT), 0644,
					&r->err);
		if (k < 0)
			return k;
	}
	k = live_value(r, v, sizeof v);
	if (k < 0)
		return k;
	if (strcmp(v, "1") == 0) {
		run_done(r, "wrote '%s'", PATH_SYSCTL_FILE);
		return 0;
	}
	fd = fileio_open(r->root_fd, PATH_ROUTE_LOCALNET, O_WRONLY, 0);
	if (fd < 0)
		return err_set(&r->err, fd, "open '%s': %s", PATH_ROUTE_LOCALNET, strerror(-fd));
	if (write(fd, "1\n", 2) != 2) {
		k = -errno;
		(void) close(fd);
		return err_set(&r->err, k, "write '%s': %s", PATH_ROUTE_LOCALNET, strerror(-k));
	}
	(void) close(fd);
	run_done(r, "route_localnet %s -> 1", v);
	return 0;
}
