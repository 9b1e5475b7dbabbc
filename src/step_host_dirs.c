/* step_host_dirs.c: the directories the agent container binds.
 *
 * Owns: /var/log/ecs (the agent's /log), /var/lib/ecs/data (its /data), /var/cache/ecs
 * and /mnt/ecs/ebs (where EBS task attach mounts volumes: ecs-init makes it, and the agent
 * is told ECS_EBSTA_SUPPORTED=true only when it is there), mode 0755.
 * They must exist before the container is created (Docker would create them root-owned
 * 0755 anyway, but SELinux hosts need them first so the :Z relabel applies to ours).
 * Converged: both are directories.  check() stats them; apply() creates what is missing.
 * A path that exists and is not a directory is a configuration error (exit 100).
 * Crash analysis: mkdir is atomic; a half-done apply leaves one of them, the next completes.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "steps.h"

static const char *const dirs[] = { "/var/log/ecs", "/var/lib/ecs/data", "/var/cache/ecs", PATH_EBS_MOUNT_DIR };

static int is_dir(struct run *r, const char *path)
{
	struct stat st;
	int fd = fileio_open(r->root_fd, path, O_PATH, 0), k;
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return err_set(&r->err, fd, "'%s': %s", path, strerror(-fd));
	k = fstat(fd, &st) < 0 ? -errno : 0;
	(void) close(fd);
	if (k < 0)
		return err_set(&r->err, k, "stat '%s': %s", path, strerror(-k));
	if (!S_ISDIR(st.st_mode))
		return err_setx(&r->err, -ENOTDIR, BS_EXIT_USAGE, "'%s' exists and is not a directory", path);
	return 1;
}

void host_dirs_inputs(struct run *r, struct sha256_ctx *h)
{
	(void) r;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
		sha256_update_str(h, dirs[i]);
}

int host_dirs_check(struct run *r)
{
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		int k = is_dir(r, dirs[i]);
		if (k <= 0) {
			if (k == 0)
				run_why(r, "'%s' missing", dirs[i]);
			return k;
		}
	}
	return 1;
}

int host_dirs_apply(struct run *r)
{
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
		int k = fileio_mkdir_p(r->root_fd, dirs[i], 0755, &r->err);
		if (k < 0)
			return k;
	}
	run_done(r, "created /var/log/ecs, /var/lib/ecs/data, /var/cache/ecs, " PATH_EBS_MOUNT_DIR);
	return 0;
}
