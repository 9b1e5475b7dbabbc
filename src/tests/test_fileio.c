/* test_fileio.c: atomic writes, bounded reads, equality, and that paths cannot escape
 * the root through ".." or symlinks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "tap.h"

int main(void)
{
	char tmpl[] = "/tmp/bs-test-fileio-XXXXXX", outside[] = "/tmp/bs-test-outside-XXXXXX";
	char buf[64], path[256];
	struct bs_err e;
	struct stat st;
	size_t n;
	int root, r;

	if (!mkdtemp(tmpl) || !mkdtemp(outside))
		return 1;
	root = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	r = fileio_write_atomic(root, "/etc/x.conf", "a\n", 2, 0644, &e);
	OK(r == -ENOENT, "write into a missing directory fails: %s", e.msg);
	OK(fileio_mkdir_p(root, "/etc/ecs", 0755, &e) == 0, "mkdir -p");
	OK(fileio_mkdir_p(root, "/etc/ecs", 0755, &e) == 0, "mkdir -p again is fine");
	OK(fileio_write_atomic(root, "/etc/ecs/ecs.config", "A=1\n", 4, 0600, &e) == 0, "atomic write");
	(void) snprintf(path, sizeof path, "%s/etc/ecs/ecs.config", tmpl);
	OK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "mode 0600 as asked, whatever the umask");
	OK(fileio_read_bounded(root, "/etc/ecs/ecs.config", buf, sizeof buf, &n, &e) == 0 && n == 4 &&
	   !strcmp(buf, "A=1\n"), "read back");
	EQ_INT(fileio_equals(root, "/etc/ecs/ecs.config", "A=1\n", 4, 0600, &e), 1, "equals: same bytes and mode");
	EQ_INT(fileio_equals(root, "/etc/ecs/ecs.config", "A=1\n", 4, 0644, &e), 0, "equals: other mode");
	EQ_INT(fileio_equals(root, "/etc/ecs/ecs.config", "A=2\n", 4, 0600, &e), 0, "equals: other bytes");
	EQ_INT(fileio_equals(root, "/etc/ecs/ecs.config", "A=1\nB", 5, 0600, &e), 0, "equals: other length");
	EQ_INT(fileio_equals(root, "/etc/ecs/none", "", 0, 0600, &e), 0, "equals: missing file");
	{
		/* a file copied a piece at a time (100001 bytes: three 32 KiB pieces and an odd rest) */
		static char big[100001];
		char src[300];
		int fd;
		for (size_t i = 0; i < sizeof big; i++)
			big[i] = (char) (i * 7 + i / 4096);
		(void) snprintf(src, sizeof src, "%s/src.bin", outside);
		fd = open(src, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		OK(fd >= 0 && write(fd, big, sizeof big) == (ssize_t) sizeof big, "copy: the source written");
		EQ_INT(fileio_equals_file(root, "/etc/ecs/bin", fd, 0755, &e), 0, "equals_file: missing");
		r = fileio_copy_atomic(root, "/etc/ecs/bin", fd, 0755, &e);
		OK(r == 0, "copy_atomic (%s)", r ? e.msg : "ok");
		EQ_INT(fileio_equals(root, "/etc/ecs/bin", big, sizeof big, 0755, &e), 1, "copy_atomic: every byte, mode 0755");
		EQ_INT(fileio_equals_file(root, "/etc/ecs/bin", fd, 0755, &e), 1, "equals_file: same bytes and mode");
		EQ_INT(fileio_equals_file(root, "/etc/ecs/bin", fd, 0700, &e), 0, "equals_file: other mode");
		OK(pwrite(fd, "X", 1, 70000) == 1, "the source changed in its third piece");
		EQ_INT(fileio_equals_file(root, "/etc/ecs/bin", fd, 0755, &e), 0, "equals_file: other bytes");
		OK(ftruncate(fd, 5000) == 0, "the source shortened");
		EQ_INT(fileio_equals_file(root, "/etc/ecs/bin", fd, 0755, &e), 0, "equals_file: other length");
		close(fd);
	}
	EQ_INT(fileio_read_bounded(root, "/etc/ecs/ecs.config", buf, 4, &n, &e), -E2BIG, "bounded read refuses a larger file");

	/* A file equal to what we want, beside the .tmp of an interrupted write: not converged. */
	(void) snprintf(path, sizeof path, "%s/etc/ecs/ecs.config.tmp", tmpl);
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		OK(fd >= 0, "plant a stale tmp beside the equal file");
		close(fd);
	}
	EQ_INT(fileio_equals(root, "/etc/ecs/ecs.config", "A=1\n", 4, 0600, &e), 0, "equals: a stale tmp beside it makes it not equal");
	OK(unlink(path) == 0, "remove the stale tmp");
	EQ_INT(fileio_equals(root, "/etc/ecs/ecs.config", "A=1\n", 4, 0600, &e), 1, "equals again without it");

	/* A stale .tmp from a crash is replaced, not appended to. */
	(void) snprintf(path, sizeof path, "%s/etc/ecs/ecs.config.tmp", tmpl);
	{
		int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		OK(fd >= 0 && write(fd, "garbage", 7) == 7, "stale tmp planted");
		close(fd);
	}
	OK(fileio_write_atomic(root, "/etc/ecs/ecs.config", "B=2\n", 4, 0644, &e) == 0, "write over a stale tmp");
	OK(access(path, F_OK) != 0, "no .tmp left behind");
	EQ_INT(fileio_equals(root, "/etc/ecs/ecs.config", "B=2\n", 4, 0644, &e), 1, "new content in place");

	/* Escapes: '..' and absolute symlinks resolve inside the root (RESOLVE_IN_ROOT). */
	(void) snprintf(path, sizeof path, "%s/etc/link", tmpl);
	OK(symlink(outside, path) == 0, "plant /etc/link -> %s (absolute, outside)", outside);
	r = fileio_write_atomic(root, "/etc/link/escaped", "x", 1, 0644, &e);
	(void) snprintf(path, sizeof path, "%s/escaped", outside);
	OK(access(path, F_OK) != 0, "write through an absolute symlink did not land outside the root (r=%d)", r);
	r = fileio_write_atomic(root, "/../../../../tmp/escaped2", "x", 1, 0644, &e);
	OK(access("/tmp/escaped2", F_OK) != 0, "'..' cannot climb out of the root (r=%d)", r);
	/* The same by hand, as on kernels without openat2 (before 5.6). */
	fileio_emulate_resolve(true);
	r = fileio_write_atomic(root, "/etc/link/escaped", "x", 1, 0644, &e);
	(void) snprintf(path, sizeof path, "%s/escaped", outside);
	OK(r < 0 && access(path, F_OK) != 0, "emulated: an absolute symlink resolves in the root, where it leads nowhere (r=%d)", r);
	(void) snprintf(path, sizeof path, "%s%s", tmpl, outside);
	OK(mkdir((snprintf(buf, sizeof buf, "%s/tmp", tmpl), buf), 0755) == 0 && mkdir(path, 0755) == 0, "make that place inside the root");
	r = fileio_write_atomic(root, "/etc/link/escaped", "x", 1, 0644, &e);
	(void) snprintf(path, sizeof path, "%s%s/escaped", tmpl, outside);
	OK(r == 0 && access(path, F_OK) == 0, "emulated: ... and lands there once it exists (r=%d)", r);
	r = fileio_write_atomic(root, "/../../../../tmp/escaped3", "x", 1, 0644, &e);
	(void) snprintf(path, sizeof path, "%s/tmp/escaped3", tmpl);
	OK(r == 0 && access(path, F_OK) == 0 && access("/tmp/escaped3", F_OK) != 0, "emulated: '..' stops at the root (r=%d)", r);
	(void) snprintf(path, sizeof path, "%s/etc/rel", tmpl);
	OK(symlink("../etc/./ecs", path) == 0, "plant /etc/rel -> ../etc/./ecs (relative)");
	r = fileio_write_atomic(root, "/etc/rel/r.conf", "R=1\n", 4, 0644, &e);
	EQ_INT(fileio_equals(root, "/etc/ecs/r.conf", "R=1\n", 4, 0644, &e), 1, "emulated: a relative symlink is followed");
	(void) snprintf(path, sizeof path, "%s/etc/loop", tmpl);
	OK(symlink("loop", path) == 0, "plant /etc/loop -> loop");
	r = fileio_open(root, "/etc/loop/x", O_RDONLY, 0);
	EQ_INT(r, -ELOOP, "emulated: a symlink loop ends in ELOOP");
	r = fileio_open(root, "/etc/ecs/r.conf/x", O_RDONLY, 0);
	EQ_INT(r, -ENOTDIR, "emulated: a file in the middle is ENOTDIR");
	fileio_emulate_resolve(false);

	EQ_INT(fileio_exists(root, "/etc/ecs/ecs.config"), 1, "exists");
	EQ_INT(fileio_exists(root, "/nope/x"), 0, "does not exist");
	OK(fileio_unlink(root, "/etc/ecs/ecs.config", &e) == 0 && fileio_exists(root, "/etc/ecs/ecs.config") == 0, "unlink");
	OK(fileio_unlink(root, "/etc/ecs/ecs.config", &e) == 0, "unlink of a missing file is fine");

	(void) snprintf(path, sizeof path, "rm -rf -- '%s' '%s'", tmpl, outside);
	close(root);
	fflush(NULL);
	if (fork() == 0) {
		execl("/bin/sh", "sh", "-c", path, (char *) NULL);
		_exit(127);
	}
	return tap_done();
}
