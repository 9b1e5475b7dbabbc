/* tar.h: a streaming tar reader for docker-save archives.
 *
 * Formats: ustar (with prefix), GNU (long names 'L'/'K', base-256 sizes), pax ('x' local
 * and 'g' global records: path, linkpath, size).  Refused: a bad header checksum, a
 * negative or non-numeric size, a pax record that does not parse, headers or data cut
 * short by the end of the file.  Entry names are bounded (TAR_NAME_MAX); pax and GNU
 * extension data is bounded (TAR_EXT_MAX).  Reads through a file descriptor with
 * read(2): memory does not grow with the archive.
 */
#ifndef BS_TAR_H
#define BS_TAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../err.h"

#define TAR_NAME_MAX 4096
#define TAR_EXT_MAX (1024LL * 1024)

struct tar_entry {
	char name[TAR_NAME_MAX];
	char link[TAR_NAME_MAX];
	char type;              /* '0' regular ('\0' normalised), '5' dir, '1' hard link, '2' symlink, ... */
	long long size;         /* of the data */
	unsigned mode;
	long long data_offset;  /* where the data starts in the archive */
};

struct tar_reader {
	int fd;
	long long off;          /* current position in the archive */
	long long left;         /* data bytes of the current entry not read yet */
	long long pad;          /* padding after it */
	bool done;
	char gpath[TAR_NAME_MAX]; /* unused global path (recorded for completeness) */
};

void tar_init(struct tar_reader *t, int fd);

/* The next entry: 1 and *ent, 0 at the end of the archive, < 0 (-EBADMSG) when the
 * archive is malformed or truncated (e says what and at which offset).  Unread data of
 * the previous entry is skipped. */
int tar_next(struct tar_reader *t, struct tar_entry *ent, struct bs_err *e);

/* Read up to n bytes of the current entry's data.  Bytes read, 0 at its end, < 0. */
long long tar_read(struct tar_reader *t, void *buf, size_t n, struct bs_err *e);

/* Parse a numeric header field (octal, or GNU base-256).  0 or -EBADMSG. */
int tar_number(const unsigned char *f, size_t n, long long *ret);

#endif
