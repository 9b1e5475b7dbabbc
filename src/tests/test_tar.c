/* test_tar.c: the tar reader over Go's archive/tar test archives
 * (src/tests/data/tar).  The oracle is GNU tar 1.34's verdict on each file (`tar -tf`
 * exit status and entry count, recorded below); where we differ on purpose the table
 * says why. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/tar.h"
#include "tap.h"

static const struct {
	const char *file;
	int ok;          /* 1: the whole archive reads; 0: refused */
	int entries;     /* entries listed (when ok) */
	const char *first;
	const char *why; /* set when we differ from GNU tar */
} cases[] = {
	{ "file-and-dir.tar", 1, 2, "small.txt", NULL },
	{ "gnu-incremental.tar", 1, 3, "test2/", NULL },
	{ "gnu-long-nul.tar", 1, 1, "0123456789", NULL },
	{ "gnu-multi-hdrs.tar", 1, 1, "GNU2/GNU2/long-path-name", NULL },
	{ "gnu-not-utf8.tar", 1, 1, "hi\x80\x81\x82\x83" "bye", NULL },
	{ "gnu-utf8.tar", 1, 1, NULL, NULL },
	{ "gnu.tar", 1, 2, "small.txt", NULL },
	{ "hardlink.tar", 1, 2, "file.txt", NULL },
	{ "invalid-go17.tar", 1, 1, NULL, "readers differ on the name: Go and we join the ustar prefix, GNU tar shows 'foo'" },
	{ "issue10968.tar", 0, 0, NULL, NULL },
	{ "issue11169.tar", 0, 0, NULL, NULL },
	{ "issue12435.tar", 0, 0, NULL, NULL },
	{ "neg-size.tar", 0, 0, NULL, NULL },
	{ "nil-uid.tar", 1, 1, "P1050238.JPG.log", NULL },
	{ "pax-bad-hdr-file.tar", 0, 0, NULL, NULL },
	{ "pax-bad-mtime-file.tar", 1, 1, "foo", NULL },
	{ "pax-global-records.tar", 1, 4, "file1", "global pax records do not rename entries (GNU tar: 'global1'); docker save writes none" },
	{ "pax-multi-hdrs.tar", 1, 1, "PAX2/PAX2/long-path-name", "two pax headers in a row: the last one's path wins (GNU tar: 'bar', Python: 'PAX1/...')" },
	{ "pax-nul-path.tar", 0, 0, NULL, "a NUL inside a pax path is refused (GNU tar cuts the name there)" },
	{ "pax-path-hdr.tar", 1, 0, NULL, NULL },
	{ "pax-pos-size-file.tar", 1, 1, "foo", NULL },
	{ "pax-records.tar", 1, 1, "file", NULL },
	{ "pax.tar", 1, 2, NULL, NULL },
	{ "sparse-formats.tar", 1, 5, "sparse-gnu", NULL },
	{ "star.tar", 1, 2, "small.txt", NULL },
	{ "trailing-slash.tar", 1, 1, NULL, NULL },
	{ "ustar-file-devs.tar", 1, 1, "file", NULL },
	{ "ustar-file-reg.tar", 1, 1, "foo", NULL },
	{ "ustar.tar", 1, 1, NULL, NULL },
	{ "v7.tar", 1, 2, "small.txt", NULL },
	{ "writer-big-long.tar", 0, 0, NULL, NULL },
	{ "writer-big.tar", 0, 0, NULL, NULL },
	{ "writer.tar", 1, 3, "small.txt", NULL },
	{ "xattrs.tar", 1, 2, "small.txt", NULL },
};

int main(void)
{
	static struct tar_entry ent;
	static char first[TAR_NAME_MAX];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tar_reader t;
		struct bs_err e;
		char path[512];
		int fd, k, n = 0;

		snprintf(path, sizeof path, "src/tests/data/tar/%s", cases[i].file);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		tar_init(&t, fd, NULL);
		first[0] = '\0';
		while ((k = tar_next(&t, &ent, &e)) > 0) {
			if (n++ == 0)
				snprintf(first, sizeof first, "%s", ent.name);
		}
		close(fd);
		if (cases[i].ok)
			OK(k == 0 && n == cases[i].entries && (!cases[i].first || !strcmp(first, cases[i].first)),
			   "%s: %d entries, first '%s' (%s)%s%s", cases[i].file, n, first, k ? e.msg : "ok",
			   cases[i].why ? " # " : "", cases[i].why ? cases[i].why : "");
		else
			OK(k < 0, "%s: refused (%s)%s%s", cases[i].file, k < 0 ? e.msg : "read", cases[i].why ? " # " : "",
			   cases[i].why ? cases[i].why : "");
	}
	{
		long long v;
		const unsigned char b256[] = { 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0 };
		const unsigned char neg[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
		OK(tar_number(b256, 12, &v) == 0 && v == 0x1000, "base-256 size");
		OK(tar_number(neg, 12, &v) < 0, "negative base-256 size refused");
		OK(tar_number((const unsigned char *) "0000644 \0", 8, &v) == 0 && v == 0644, "octal with trailing space and NUL");
		OK(tar_number((const unsigned char *) "12x4", 4, &v) < 0, "junk in a number refused");
	}
	return tap_done();
}
