/* fileio.h: bounded reads and atomic writes of small files, resolved inside a root.
 *
 * Every path is absolute as seen from the root ("/etc/ecs/ecs.config") and is
 * resolved relative to root_fd with openat2(RESOLVE_IN_ROOT): ".." and absolute
 * symlinks cannot leave the root, so --root DIR behaves like a chroot for files.
 * On kernels without openat2 (before 5.6) the resolution falls back to openat()
 * relative to root_fd, with O_NOFOLLOW on the last component of writes.
 * root_fd == AT_FDCWD means the caller's own view: plain open(2) semantics.
 */
#ifndef BS_FILEIO_H
#define BS_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../err.h"

/* Open path under root_fd.  flags as for open(2); O_CLOEXEC is always added.
 * Returns an fd or -errno (no message: callers add the path). */
int fileio_open(int root_fd, const char *path, int flags, mode_t mode);
/* Tests: resolve as on a kernel without openat2 (the by-hand RESOLVE_IN_ROOT). */
void fileio_emulate_resolve(bool on);

/* Read a whole file into buf (cap bytes, NUL-terminated, so at most cap-1 bytes of data).
 * Returns 0 and the length in *ret_len; -ENOENT if missing; -E2BIG if longer than cap-1;
 * other -errno on I/O errors.  e gets a message naming the path. */
int fileio_read_bounded(int root_fd, const char *path, char *buf, size_t cap, size_t *ret_len,
			struct bs_err *e);

/* Replace path with exactly data[0..len) and mode, atomically and durably:
 * write "<path>.tmp" (O_EXCL after removing a stale one), fsync, rename over path,
 * fsync the directory.  A crash at any point leaves the old file or the new one,
 * plus at worst a stale .tmp that the next call removes.  The parent directory must exist.
 * fault_point, when not NULL, names a crash-test point hit between write and rename. */
int fileio_write_atomic(int root_fd, const char *path, const void *data, size_t len, mode_t mode,
			struct bs_err *e);

/* fileio_write_atomic and fileio_equals with the bytes of the caller's regular file src_fd
 * (read with pread, a piece at a time, from offset 0 to its size): copying a binary needs no
 * buffer of its size. */
int fileio_copy_atomic(int root_fd, const char *path, int src_fd, mode_t mode, struct bs_err *e);
int fileio_equals_file(int root_fd, const char *path, int src_fd, mode_t mode, struct bs_err *e);

/* Write all of data[0..len) to fd (again after EINTR and short writes): 0, or -errno; the
 * bytes that went out in *ret_written when not NULL. */
int fileio_write_all(int fd, const void *data, size_t len, size_t *ret_written);

/* 1 if path exists, is a regular file, holds exactly data[0..len) and (mode != (mode_t)-1)
 * has that permission mode, and no "<path>.tmp" of an interrupted write is left beside it;
 * 0 if not (including missing); -errno on other errors. */
int fileio_equals(int root_fd, const char *path, const void *data, size_t len, mode_t mode,
		  struct bs_err *e);

/* mkdir -p path (each missing component created with mode).  Existing dirs are fine. */
int fileio_mkdir_p(int root_fd, const char *path, mode_t mode, struct bs_err *e);

/* 1 if path exists (any type, following symlinks inside the root), 0 if not, -errno otherwise. */
int fileio_exists(int root_fd, const char *path);

/* Remove everything inside directory path (recursively, never following symlinks; at
 * most 16 levels), keeping path itself.  A missing path is fine.  Counts removed entries
 * in *ret_n when not NULL. */
int fileio_empty_dir(int root_fd, const char *path, size_t *ret_n, struct bs_err *e);

/* Remove path if it exists (ENOENT is success). */
int fileio_unlink(int root_fd, const char *path, struct bs_err *e);

#endif
