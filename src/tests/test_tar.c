/* test_tar.c: the tar reader over Go's archive/tar test archives
 * (src/tests/data/tar).  The oracle is GNU tar 1.34's verdict on each file (`tar -tf`
 * exit status and entry count, recorded below); where we differ on purpose the table
 * says why. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/dimage.h"
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

/* ---- archives made here, in memory */

static unsigned char arc[64 * 1024], gz[64 * 1024];

static int mem_fd(const void *p, size_t n)
{
	int fd = memfd_create("test-tar", MFD_CLOEXEC);
	if (fd >= 0 && (write(fd, p, n) != (ssize_t) n || lseek(fd, 0, SEEK_SET) != 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void hdr_sum(unsigned char *h)
{
	unsigned sum = 0;
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *) h + 148, 8, "%06o", sum);
}

/* A ustar header for a regular file at h. */
static void hdr(unsigned char *h, const char *name, long long size)
{
	memset(h, 0, 512);
	snprintf((char *) h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *) h + 124, 12, "%011llo", size);
	memcpy(h + 136, "00000000000", 12);
	h[156] = '0';
	memcpy(h + 257, "ustar\0" "00", 8);
	hdr_sum(h);
}

/* Read every entry: the last tar_next result; *n entries. */
static int read_all(const void *p, size_t len, struct tar_gz *g, int *n, struct bs_err *e)
{
	static struct tar_entry ent;
	struct tar_reader t;
	int fd = mem_fd(p, len), k;

	*n = 0;
	if (fd < 0)
		return err_set(e, -errno, "memfd: %s", strerror(errno));
	tar_init(&t, fd, g);
	while ((k = tar_next(&t, &ent, e)) > 0)
		++*n;
	close(fd);
	return k;
}

/* Defect: a base-256 size of 2^63-1 overflowed left + pad and the entry was taken as empty. */
static void huge_sizes(void)
{
	static const struct {
		unsigned char b256[12];
		const char *what;
		int at_header; /* refused at the header, not only when the data is missing */
	} sizes[] = {
		{ { 0x80, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "2^63-1", 1 },
		{ { 0x80, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0x01 }, "2^63-511", 1 },
		{ { 0x80, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0 }, "2^62", 1 },
		{ { 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0x02, 0 }, "2^44+512 (over 16 TiB)", 1 },
		{ { 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 0 }, "2^44 (16 TiB) with no data", 0 },
		{ { 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0 }, "2^33 (8 GiB) with no data", 0 },
	};
	static struct tar_entry ent;
	struct bs_err e;

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct tar_reader t;
		int fd, k, n = 0;
		memset(arc, 0, 512 * 4);
		hdr(arc, "huge", 0);
		memcpy(arc + 124, sizes[i].b256, 12);
		hdr_sum(arc);
		hdr(arc + 512, "next", 0);
		fd = mem_fd(arc, 512 * 4);
		tar_init(&t, fd, NULL);
		k = tar_next(&t, &ent, &e);
		if (sizes[i].at_header)
			OK(k < 0, "base-256 size %s refused at its header (%s)", sizes[i].what, k < 0 ? e.msg : "taken");
		while (k > 0 && ++n < 8)
			k = tar_next(&t, &ent, &e);
		OK(k < 0, "base-256 size %s: the archive is refused, not read on as if the entry were empty", sizes[i].what);
		close(fd);
	}
	{
		/* a pax size of 18 nines, no data */
		static const char rec[] = "27 size=999999999999999999\n";
		int n, k;
		memset(arc, 0, 512 * 6);
		hdr(arc, "pax", (long long) sizeof rec - 1);
		arc[156] = 'x';
		hdr_sum(arc);
		memcpy(arc + 512, rec, sizeof rec - 1);
		hdr(arc + 1024, "big", 0);
		k = read_all(arc, 512 * 6, NULL, &n, &e);
		OK(k < 0, "pax size 999999999999999999 refused (%s)", k < 0 ? e.msg : "read");
	}
}

/* A small archive, gzip'd by zlib: its length. */
static size_t gzip_it(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *) in;
	z.avail_in = (uInt) n;
	z.next_out = out;
	z.avail_out = (uInt) cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		n = 0;
	else
		n = cap - z.avail_out;
	deflateEnd(&z);
	return n;
}

/* Defect: the gzip trailer (CRC-32, ISIZE) was never read: the tar end came first. */
static void gzip_trailer(void)
{
	static struct tar_gz g;
	struct bs_err e;
	size_t alen = 512 * 4, glen;
	int n, k;

	memset(arc, 0, alen);
	hdr(arc, "a.txt", 5);
	memcpy(arc + 512, "hello", 5);
	glen = gzip_it(arc, alen, gz, sizeof gz - 16);
	OK(glen > 18, "gzip'd a test archive (%zu bytes)", glen);
	k = read_all(gz, glen, &g, &n, &e);
	OK(k == 0 && n == 1, "gzip'd archive: 1 entry, read to the end (%s)", k ? e.msg : "ok");
	gz[glen - 8] ^= 0x5a;
	k = read_all(gz, glen, &g, &n, &e);
	OK(k < 0, "gzip trailer: wrong CRC-32 refused (%s)", k < 0 ? e.msg : "read");
	gz[glen - 8] ^= 0x5a;
	gz[glen - 4] ^= 0x5a;
	k = read_all(gz, glen, &g, &n, &e);
	OK(k < 0, "gzip trailer: wrong ISIZE refused (%s)", k < 0 ? e.msg : "read");
	gz[glen - 4] ^= 0x5a;
	k = read_all(gz, glen - 8, &g, &n, &e);
	OK(k < 0 && strstr(e.msg, "cut short"), "gzip trailer missing: refused as cut short (%s)", k < 0 ? e.msg : "read");
	k = read_all(gz, glen - 3, &g, &n, &e);
	OK(k < 0 && strstr(e.msg, "cut short"), "gzip trailer cut: refused as cut short (%s)", k < 0 ? e.msg : "read");
	memcpy(gz + glen, "junk", 4);
	k = read_all(gz, glen + 4, &g, &n, &e);
	OK(k < 0, "bytes after the last gzip member refused (%s)", k < 0 ? e.msg : "read");
	memcpy(gz + glen, gz, glen);
	k = read_all(gz, glen * 2, &g, &n, &e);
	OK(k == 0 && n == 1, "a second whole member after the tar end: accepted (%s)", k ? e.msg : "ok");
	k = read_all(gz, glen * 2 - 1, &g, &n, &e);
	OK(k < 0, "a second member cut short after the tar end: refused (%s)", k < 0 ? e.msg : "read");
}

/* Which image the agent step takes from an archive with several. */
static void select_image(void)
{
	static struct dimage_info ii;
	const char *agent = "amazon/amazon-ecs-agent:latest";
	struct bs_err e;
	int k;

	memset(&ii, 0, sizeof ii);
	ii.n_images = 1;
	snprintf(ii.images[0].id, sizeof ii.images[0].id, "sha256:1%063d", 0);
	k = dimage_select(&ii, agent, &e);
	OK(k == 0, "one untagged image: taken (the step tags it)");
	ii.n_images = 3;
	snprintf(ii.images[1].id, sizeof ii.images[1].id, "sha256:2%063d", 0);
	snprintf(ii.images[1].tags[0], sizeof ii.images[1].tags[0], "%s", agent);
	ii.images[1].n_tags = 1;
	snprintf(ii.images[2].id, sizeof ii.images[2].id, "sha256:3%063d", 0);
	snprintf(ii.images[2].tags[0], sizeof ii.images[2].tags[0], "other/img:1");
	ii.images[2].n_tags = 1;
	k = dimage_select(&ii, agent, &e);
	OK(k == 1, "three images, one tagged %s: that one (%d)", agent, k);
	snprintf(ii.images[1].tags[0], sizeof ii.images[1].tags[0], "other/img:2");
	k = dimage_select(&ii, agent, &e);
	OK(k < 0 && strstr(e.msg, "3 images") && strstr(e.msg, "none") && strstr(e.msg, "other/img:2"),
	   "three images, none tagged: refused, saying what it holds (%s)", k < 0 ? e.msg : "taken");
	snprintf(ii.images[1].tags[0], sizeof ii.images[1].tags[0], "%s", agent);
	snprintf(ii.images[2].tags[0], sizeof ii.images[2].tags[0], "%s", agent);
	k = dimage_select(&ii, agent, &e);
	OK(k < 0 && strstr(e.msg, "2 of"), "two different images tagged %s: refused (%s)", agent, k < 0 ? e.msg : "taken");
	snprintf(ii.images[2].id, sizeof ii.images[2].id, "%s", ii.images[1].id);
	k = dimage_select(&ii, agent, &e);
	OK(k == 1, "the same image listed twice under the tag: taken (%d)", k);
	ii.n_images = 0;
	k = dimage_select(&ii, agent, &e);
	OK(k < 0, "no image: refused");
}

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
	gzip_trailer();
	select_image();
	huge_sizes();
	return tap_done();
}
