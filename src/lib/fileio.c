/* fileio.c: see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fault.h"

/* openat2(2) ABI (linux/openat2.h, which musl's toolchain does not ship). */
struct open_how_abi {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS_ABI 0x02
#define RESOLVE_IN_ROOT_ABI 0x10
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define CLOSE_SAFE(fd) do { if ((fd) >= 0) (void) close(fd); (fd) = -1; } while (0)

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* RESOLVE_IN_ROOT by hand, for kernels without openat2 (before 5.6: Amazon Linux 2's 4.14):
 * one component at a time with O_PATH | O_NOFOLLOW; ".." never climbs above the root; a
 * symlink's target is spliced in front of what is left, an absolute one from the root again;
 * at most 40 symlinks.  Directories on the way are reopened from the root after "..", so no
 * race can move us out through a renamed parent. */
#define IN_ROOT_DEPTH 64
static int walk(int root_fd, char names[][256], int n)
{
	int cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; cur >= 0 && i < n; i++) {
		int next = openat(cur, names[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		(void) close(cur);
		cur = next;
	}
	return cur >= 0 ? cur : -errno;
}

static int open_in_root(int root_fd, const char *path, int flags, mode_t mode)
{
	static char names[IN_ROOT_DEPTH][256];
	char todo[2 * 4096 + 2], link[4096], comp[256];
	int n = 0, links = 0, cur, fd;
	struct stat st;

	if (strlen(path) >= sizeof todo / 2)
		return -ENAMETOOLONG;
	(void) snprintf(todo, sizeof todo, "%s", path);
	cur = walk(root_fd, names, 0);
	if (cur < 0)
		return cur;
	for (;;) {
		char *p = todo, *slash;
		size_t len;
		bool last;
		ssize_t ll;

		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		len = slash ? (size_t) (slash - p) : strlen(p);
		if (len >= sizeof comp) {
			(void) close(cur);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		p += len;
		while (*p == '/')
			p++;
		memmove(todo, p, strlen(p) + 1);
		last = todo[0] == '\0';
		if (!strcmp(comp, "..")) {
			(void) close(cur);
			n = n > 0 ? n - 1 : 0;
			cur = walk(root_fd, names, n);
			if (cur < 0)
				return cur;
		}
		if (!comp[0] || !strcmp(comp, ".") || !strcmp(comp, "..")) {
			if (!last)
				continue;
			fd = openat(cur, ".", flags | O_CLOEXEC, mode);
			(void) close(cur);
			return fd >= 0 ? fd : -errno;
		}
		if (last) {
			/* A symlink here is followed (unless the caller said O_NOFOLLOW); anything else is
			 * opened with O_NOFOLLOW, so a symlink swapped in meanwhile fails rather than leads out. */
			if ((flags & O_NOFOLLOW) || fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode)) {
				fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
				if (fd < 0)
					fd = -errno;
				(void) close(cur);
				return fd;
			}
		} else {
			fd = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || fstat(fd, &st) < 0) {
				int err = -errno;
				if (fd >= 0)
					(void) close(fd);
				(void) close(cur);
				return err;
			}
			if (S_ISDIR(st.st_mode) && n < IN_ROOT_DEPTH) {
				memcpy(names[n++], comp, len + 1);
				(void) close(cur);
				cur = fd; /* a directory, opened without following: descend into it */
				continue;
			}
			(void) close(fd);
			if (S_ISDIR(st.st_mode)) {
				(void) close(cur);
				return -ENAMETOOLONG;
			}
			if (!S_ISLNK(st.st_mode)) {
				(void) close(cur);
				return -ENOTDIR;
			}
		}
		/* comp is a symlink: its target goes in front of what is left. */
		ll = readlinkat(cur, comp, link, sizeof link - 1);
		if (ll < 0 || ++links > 40) {
			int err = ll < 0 ? -errno : -ELOOP;
			(void) close(cur);
			return err;
		}
		link[ll] = '\0';
		if (strlen(todo) + (size_t) ll + 2 > sizeof todo) {
			(void) close(cur);
			return -ENAMETOOLONG;
		}
		memmove(todo + ll + 1, todo, strlen(todo) + 1);
		memcpy(todo, link, (size_t) ll);
		todo[ll] = '/';
		if (link[0] == '/') {
			(void) close(cur);
			n = 0;
			cur = walk(root_fd, names, 0);
			if (cur < 0)
				return cur;
		}
	}
}

static bool emulate_only;
void fileio_emulate_resolve(bool on)
{
	emulate_only = on;
}

int fileio_open(int root_fd, const char *path, int flags, mode_t mode)
{
	struct open_how_abi how;
	int fd;

	if (root_fd == AT_FDCWD) { /* the caller's own view (a path given on the command line) */
		fd = openat(AT_FDCWD, path, flags | O_CLOEXEC, mode);
		return fd >= 0 ? fd : -errno;
	}
	memset(&how, 0, sizeof how);
	how.flags = (uint64_t) (flags | O_CLOEXEC);
	how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
	how.resolve = RESOLVE_IN_ROOT_ABI | RESOLVE_NO_MAGICLINKS_ABI;
	if (emulate_only)
		return open_in_root(root_fd, rel(path), flags, mode);
	fd = (int) syscall(SYS_openat2, root_fd, rel(path), &how, sizeof how);
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS)
		return -errno;
	return open_in_root(root_fd, rel(path), flags, mode); /* kernel before 5.6 (or valgrind) */
}

int fileio_read_bounded(int root_fd, const char *path, char *buf, size_t cap, size_t *ret_len,
			struct bs_err *e)
{
	size_t len = 0;
	int fd, r = 0;

	if (cap == 0)
		return err_set(e, -EINVAL, "read '%s': zero-sized buffer", path);
	fd = fileio_open(root_fd, path, O_RDONLY | O_NOCTTY, 0);
	if (fd < 0)
		return err_set(e, fd, "open '%s': %s", path, strerror(-fd));
	for (;;) {
		ssize_t n;
		if (len == cap - 1) {
			char extra;
			n = read(fd, &extra, 1);
			if (n > 0)
				r = err_set(e, -E2BIG, "read '%s': larger than the limit of %zu bytes", path,
					    cap - 1);
			else if (n < 0 && errno != EINTR)
				r = err_set(e, -errno, "read '%s': %s", path, strerror(errno));
			else if (n < 0)
				continue;
			break;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = err_set(e, -errno, "read '%s': %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t) n;
	}
	CLOSE_SAFE(fd);
	if (r < 0)
		return r;
	buf[len] = '\0';
	*ret_len = len;
	return 0;
}

/* Split "/a/b/name" into an fd for "/a/b" (opened O_DIRECTORY, readable for fsync) and "name". */
static int open_parent(int root_fd, const char *path, const char **ret_name, struct bs_err *e)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd;

	*ret_name = NULL;

	if (!slash || slash[1] == '\0') {
		err_set(e, -EINVAL, "'%s': not a file path", path);
		return -EINVAL;
	}
	n = (size_t) (slash - path);
	if (n >= sizeof dir) {
		err_set(e, -ENAMETOOLONG, "'%s': path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	fd = fileio_open(root_fd, n ? dir : "/", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		err_set(e, fd, "open directory '%s': %s", n ? dir : "/", strerror(-fd));
		return fd; /* explicit, so analyzers see *ret_name is set whenever the result is >= 0 */
	}
	*ret_name = slash + 1;
	return fd;
}

int fileio_write_all(int fd, const void *data, size_t len, size_t *ret_written)
{
	const char *p = data;
	size_t done = 0;
	int r = 0;

	while (done < len) {
		ssize_t n = write(fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		done += (size_t) n;
	}
	if (ret_written)
		*ret_written = done;
	return r;
}

/* Where the bytes of a write or a comparison come from: a buffer, or the caller's file (read
 * with pread, a piece at a time: a 16 MiB binary is never held in memory). */
struct src {
	const char *data; /* NULL: read fd */
	int fd;
	size_t len;
};

#define PIECE (32UL * 1024)

/* The n <= PIECE bytes of s at off: in s's buffer, or read into scratch.  NULL (with *err) when
 * the file is shorter or cannot be read. */
static const char *src_at(const struct src *s, size_t off, size_t n, char scratch[PIECE], int *err)
{
	size_t got = 0;
	if (s->data)
		return s->data + off;
	while (got < n) {
		ssize_t k = pread(s->fd, scratch + got, n - got, (off_t) (off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			*err = k < 0 ? -errno : -EIO;
			return NULL;
		}
		got += (size_t) k;
	}
	return scratch;
}

/* Write s[from, to) to fd. */
static int src_write(int fd, const struct src *s, size_t from, size_t to)
{
	char scratch[PIECE];
	int err = 0;
	for (size_t off = from; off < to;) {
		size_t n = to - off < PIECE ? to - off : PIECE;
		const char *p = src_at(s, off, n, scratch, &err);
		if (!p || (err = fileio_write_all(fd, p, n, NULL)) < 0)
			return err;
		off += n;
	}
	return 0;
}

static int write_atomic(int root_fd, const char *path, const struct src *src, mode_t mode, struct bs_err *e)
{
	char tmp[256];
	const char *name = NULL;
	int dfd, fd = -1, r;

	dfd = open_parent(root_fd, path, &name, e);
	if (dfd < 0)
		return dfd;
	r = snprintf(tmp, sizeof tmp, "%s.tmp", name);
	if (r < 0 || (size_t) r >= sizeof tmp) {
		r = err_set(e, -ENAMETOOLONG, "'%s': file name too long", path);
		goto out;
	}
	/* A stale .tmp is the leftover of a crash: it never was the real file, drop it. */
	if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT) {
		r = err_set(e, -errno, "remove stale '%s.tmp': %s", path, strerror(errno));
		goto out;
	}
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		r = err_set(e, -errno, "create '%s.tmp': %s", path, strerror(errno));
		goto out;
	}
	/* fchmod: the umask must not weaken or widen the mode we were asked for. */
	if (fchmod(fd, mode) < 0) {
		r = err_set(e, -errno, "chmod '%s.tmp': %s", path, strerror(errno));
		goto fail;
	}
	/* Two halves, so a crash test can stop the process with half the file written. */
	r = src_write(fd, src, 0, src->len / 2);
	FAULT_POINT_AT("fileio-mid-write", path);
	if (r == 0)
		r = src_write(fd, src, src->len / 2, src->len);
	if (r < 0) {
		err_set(e, r, "write '%s.tmp': %s", path, strerror(-r));
		goto fail;
	}
	FAULT_POINT_AT("fileio-before-fsync", path);
	/* fsync before rename, so a crash after the rename cannot expose a short file. */
	if (fsync(fd) < 0) {
		r = err_set(e, -errno, "fsync '%s.tmp': %s", path, strerror(errno));
		goto fail;
	}
	CLOSE_SAFE(fd);
	FAULT_POINT_AT("fileio-before-rename", path);
	if (renameat(dfd, tmp, dfd, name) < 0) {
		r = err_set(e, -errno, "rename '%s.tmp' to '%s': %s", path, path, strerror(errno));
		goto fail;
	}
	/* fsync the directory so the rename itself survives a power loss. */
	if (fsync(dfd) < 0) {
		r = err_set(e, -errno, "fsync directory of '%s': %s", path, strerror(errno));
		goto out;
	}
	r = 0;
	goto out;
fail:
	CLOSE_SAFE(fd);
	(void) unlinkat(dfd, tmp, 0);
out:
	CLOSE_SAFE(dfd);
	return r;
}

int fileio_write_atomic(int root_fd, const char *path, const void *data, size_t len, mode_t mode,
			struct bs_err *e)
{
	struct src s = { data, -1, len };
	return write_atomic(root_fd, path, &s, mode, e);
}

/* The caller's file src_fd as a source for path: its size now. */
static int src_of_file(int src_fd, const char *path, struct src *s, struct bs_err *e)
{
	struct stat st;
	if (fstat(src_fd, &st) < 0)
		return err_set(e, -errno, "stat the copy of '%s': %s", path, strerror(errno));
	*s = (struct src) { NULL, src_fd, (size_t) st.st_size };
	return 0;
}

int fileio_copy_atomic(int root_fd, const char *path, int src_fd, mode_t mode, struct bs_err *e)
{
	struct src s = { NULL, -1, 0 };
	int k = src_of_file(src_fd, path, &s, e);
	return k < 0 ? k : write_atomic(root_fd, path, &s, mode, e);
}

static int equals(int root_fd, const char *path, const struct src *src, mode_t mode, struct bs_err *e)
{
	char buf[PIECE], scratch[PIECE];
	size_t len = src->len;
	int err = 0;
	struct stat st;
	size_t off = 0;
	int fd, r = 1;

	fd = fileio_open(root_fd, path, O_RDONLY | O_NOCTTY, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return err_set(e, fd, "open '%s': %s", path, strerror(-fd));
	if (fstat(fd, &st) < 0) {
		r = err_set(e, -errno, "stat '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (size_t) st.st_size != len ||
	    (mode != (mode_t) -1 && (st.st_mode & 07777) != mode)) {
		r = 0;
		goto out;
	}
	while (off < len) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = err_set(e, -errno, "read '%s': %s", path, strerror(errno));
			goto out;
		}
		if (n == 0 || (size_t) n > len - off) {
			r = 0;
			goto out;
		}
		{
			const char *want = src_at(src, off, (size_t) n, scratch, &err);
			if (!want) {
				r = err_set(e, err, "read the copy of '%s': %s", path, strerror(-err));
				goto out;
			}
			if (memcmp(buf, want, (size_t) n) != 0) {
				r = 0;
				goto out;
			}
		}
		off += (size_t) n;
	}
	/* A half-written "<path>.tmp" left by a crash: not converged until a write replaces it. */
	if (r == 1) {
		char tmp[4096];
		if (snprintf(tmp, sizeof tmp, "%s.tmp", path) < (int) sizeof tmp && fileio_exists(root_fd, tmp) > 0)
			r = 0;
	}
out:
	CLOSE_SAFE(fd);
	return r;
}

int fileio_equals(int root_fd, const char *path, const void *data, size_t len, mode_t mode,
		  struct bs_err *e)
{
	struct src s = { data, -1, len };
	return equals(root_fd, path, &s, mode, e);
}

int fileio_equals_file(int root_fd, const char *path, int src_fd, mode_t mode, struct bs_err *e)
{
	struct src s = { NULL, -1, 0 };
	int k = src_of_file(src_fd, path, &s, e);
	return k < 0 ? k : equals(root_fd, path, &s, mode, e);
}

int fileio_mkdir_p(int root_fd, const char *path, mode_t mode, struct bs_err *e)
{
	char buf[4096];
	size_t n = strlen(path), i;

	if (n >= sizeof buf)
		return err_set(e, -ENAMETOOLONG, "'%s': path too long", path);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		int fd, dfd;
		const char *name = NULL;
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		fd = fileio_open(root_fd, buf, O_RDONLY | O_DIRECTORY, 0);
		if (fd >= 0) {
			(void) close(fd);
		} else if (fd == -ENOENT) {
			dfd = open_parent(root_fd, buf, &name, e);
			if (dfd < 0)
				return dfd;
			if (mkdirat(dfd, name, mode) < 0 && errno != EEXIST) {
				int r = err_set(e, -errno, "mkdir '%s': %s", buf, strerror(errno));
				(void) close(dfd);
				return r;
			}
			(void) close(dfd);
		} else {
			return err_set(e, fd, "open directory '%s': %s", buf, strerror(-fd));
		}
		if (i < n)
			buf[i] = '/';
	}
	return 0;
}

int fileio_exists(int root_fd, const char *path)
{
	int fd = fileio_open(root_fd, path, O_PATH, 0);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return fd;
	(void) close(fd);
	return 1;
}

int fileio_unlink(int root_fd, const char *path, struct bs_err *e)
{
	const char *name = NULL;
	int dfd = open_parent(root_fd, path, &name, e), r = 0;

	if (dfd == -ENOENT) {
		err_clear(e);
		return 0;
	}
	if (dfd < 0)
		return dfd;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		r = err_set(e, -errno, "remove '%s': %s", path, strerror(errno));
	(void) close(dfd);
	return r;
}

static int empty_fd(int dfd, int depth, size_t *n, struct bs_err *e, const char *path)
{
	DIR *d;
	struct dirent *de;
	int k = 0;

	if (depth > 16)
		return err_set(e, -ELOOP, "'%s': deeper than 16 levels", path);
	d = fdopendir(dfd);
	if (!d) {
		k = -errno;
		(void) close(dfd);
		return err_set(e, k, "open directory '%s': %s", path, strerror(-k));
	}
	while (k == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0) {
			(*n)++;
			continue;
		}
		if (errno == EISDIR || errno == EPERM) {
			int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				k = err_set(e, -errno, "'%s/%s': %s", path, de->d_name, strerror(errno));
				break;
			}
			k = empty_fd(sub, depth + 1, n, e, path);
			if (k == 0 && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0)
				k = err_set(e, -errno, "remove '%s/%s': %s", path, de->d_name, strerror(errno));
			if (k == 0)
				(*n)++;
		} else if (errno != ENOENT) {
			k = err_set(e, -errno, "remove '%s/%s': %s", path, de->d_name, strerror(errno));
		}
	}
	(void) closedir(d);
	return k;
}

int fileio_empty_dir(int root_fd, const char *path, size_t *ret_n, struct bs_err *e)
{
	size_t n = 0;
	int fd = fileio_open(root_fd, path, O_RDONLY | O_DIRECTORY, 0), k;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return err_set(e, fd, "open directory '%s': %s", path, strerror(-fd));
	k = empty_fd(fd, 0, &n, e, path);
	if (ret_n)
		*ret_n = n;
	return k;
}
