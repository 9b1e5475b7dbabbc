/* tar.h: a streaming tar reader for docker-save archives.
 *
 * Formats: ustar (with prefix), GNU (long names 'L'/'K', base-256 sizes), pax ('x' local
 * and 'g' global records: path, linkpath, size).  Refused: a bad header checksum, a
 * negative or non-numeric size, a size over TAR_SIZE_MAX, a pax record that does not
 * parse, headers or data cut short by the end of the file.  Entry names are bounded
 * (TAR_NAME_MAX); pax and GNU extension data is bounded (TAR_EXT_MAX).  Reads through a
 * file descriptor with read(2): memory does not grow with the archive.
 *
 * A gzip'd archive (`docker save | gzip`: Docker loads those too) is read through zlib when
 * the file starts with the gzip magic: concatenated members, at most TAR_GZ_MAX bytes
 * inflated; zlib's state lives in the reader (no heap, nothing to free).  At the end of the
 * tar data the stream is read on to the end of the file, as `docker load` does, so every
 * member's trailer is checked: a corrupt stream, a wrong CRC-32 or length (ISIZE), a
 * trailer missing or cut short, and bytes after the last member are refused.
 */
#ifndef BS_TAR_H
#define BS_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "../err.h"

#define TAR_NAME_MAX 4096
#define TAR_EXT_MAX (1024LL * 1024)
#define TAR_GZ_MAX (16LL * 1024 * 1024 * 1024) /* inflated bytes we read from a gzip'd archive */
/* The largest entry: 16 TiB (ext4's largest file), far above any image layer, and low
 * enough that offsets, sizes and padding never overflow.  A base-256 size can say 2^63-1. */
#define TAR_SIZE_MAX (16LL * 1024 * 1024 * 1024 * 1024)

struct tar_entry {
	char name[TAR_NAME_MAX];
	char link[TAR_NAME_MAX];
	char type;              /* '0' regular ('\0' normalised), '5' dir, '1' hard link, '2' symlink, ... */
	long long size;         /* of the data */
	unsigned mode;
	long long data_offset;  /* where the data starts in the archive */
};

struct tar_gz {
	z_stream z;
	unsigned char in[65536];
	unsigned char arena[48 * 1024]; /* zlib's state and its 32 KiB window */
	size_t arena_used;
	bool member_done;               /* a member ended and no byte of another has come yet */
	bool end;                       /* the last member ended at the end of the input */
	int err;                        /* inflateInit2 failed */
};

struct tar_reader {
	int fd;
	struct tar_gz *gz;      /* NULL: a plain archive */
	long long off;          /* current position in the archive */
	long long left;         /* data bytes of the current entry not read yet */
	long long pad;          /* padding after it */
	bool done;
	char gpath[TAR_NAME_MAX]; /* unused global path (recorded for completeness) */
};

/* Read the archive on fd from its current position.  gz: room for zlib, used when fd is a
 * regular file that starts with the gzip magic (NULL: plain archives only). */
void tar_init(struct tar_reader *t, int fd, struct tar_gz *gz);
/* The archive was gzip'd. */
bool tar_gzipped(const struct tar_reader *t);

/* The next entry: 1 and *ent, 0 at the end of the archive, < 0 (-EBADMSG) when the
 * archive is malformed or truncated (e says what and at which offset).  Unread data of
 * the previous entry is skipped.  A gzip'd archive returns 0 only once its stream has
 * been read and checked to the end of the file. */
int tar_next(struct tar_reader *t, struct tar_entry *ent, struct bs_err *e);

/* Read up to n bytes of the current entry's data.  Bytes read, 0 at its end, < 0. */
long long tar_read(struct tar_reader *t, void *buf, size_t n, struct bs_err *e);

/* Parse a numeric header field (octal, or GNU base-256).  0 or -EBADMSG (also for a
 * negative base-256 number, and one over LLONG_MAX). */
int tar_number(const unsigned char *f, size_t n, long long *ret);

#endif
