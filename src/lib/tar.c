/* tar.c: see tar.h. */
#include "tar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cursor.h"

/* zlib's allocations come from the reader's arena: nothing to free, whatever path ends the read. */
static voidpf gz_alloc(voidpf opaque, uInt items, uInt size)
{
	struct tar_gz *g = opaque;
	size_t n = (size_t) items * size, at = (g->arena_used + 15) & ~(size_t) 15;
	if (size && n / size != items)
		return Z_NULL;
	if (at > sizeof g->arena || n > sizeof g->arena - at)
		return Z_NULL;
	g->arena_used = at + n;
	return g->arena + at;
}

static void gz_free(voidpf opaque, voidpf p)
{
	(void) opaque;
	(void) p;
}

void tar_init(struct tar_reader *t, int fd, struct tar_gz *gz)
{
	unsigned char magic[2];
	struct stat st;
	off_t at;

	memset(t, 0, sizeof *t);
	t->fd = fd;
	if (!gz || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (at = lseek(fd, 0, SEEK_CUR)) < 0 ||
	    pread(fd, magic, 2, at) != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
		return;
	memset(&gz->z, 0, sizeof gz->z);
	gz->arena_used = 0;
	gz->end = false;
	gz->member_done = false;
	gz->z.zalloc = gz_alloc;
	gz->z.zfree = gz_free;
	gz->z.opaque = gz;
	gz->err = inflateInit2(&gz->z, 15 + 16); /* 15: the largest window; +16: gzip framing */
	t->gz = gz;
}

bool tar_gzipped(const struct tar_reader *t)
{
	return t->gz != NULL;
}

/* Up to n bytes of the archive: > 0, 0 at its end, < 0 with e set. */
static ssize_t src_read(struct tar_reader *t, void *buf, size_t n, struct bs_err *e)
{
	struct tar_gz *g = t->gz;

	for (;;) {
		ssize_t r;
		if (!g) {
			r = read(t->fd, buf, n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return err_set(e, -errno, "tar: read at offset %lld: %s", t->off, strerror(errno));
			return r;
		}
		if (g->err != Z_OK)
			return err_setx(e, -ENOMEM, BS_EXIT_INTERNAL, "tar: zlib: inflateInit2 failed (%d)", g->err);
		if (g->end)
			return 0;
		if (g->z.avail_in == 0) {
			r = read(t->fd, g->in, sizeof g->in);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return err_set(e, -errno, "tar: read the gzip stream: %s", strerror(errno));
			if (r == 0 && g->member_done) {
				g->end = true; /* the last member ended at the end of the file */
				continue;
			}
			if (r == 0)
				return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: the gzip stream is cut short (after %llu bytes)",
						(unsigned long long) g->z.total_in);
			g->z.next_in = g->in;
			g->z.avail_in = (uInt) r;
		}
		if (g->z.avail_in)
			g->member_done = false;
		g->z.next_out = buf;
		g->z.avail_out = (uInt) (n > 1u << 30 ? 1u << 30 : n);
		int k = inflate(&g->z, Z_NO_FLUSH);
		size_t out = (size_t) ((unsigned char *) g->z.next_out - (unsigned char *) buf);
		if (k == Z_STREAM_END) {
			/* another member may follow (gzip files concatenate): the next pass reads it
			 * in, or finds the end of the file there */
			g->member_done = true;
			if (inflateReset(&g->z) != Z_OK)
				return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: gzip: bad member after offset %lld", t->off);
		} else if (k != Z_OK && !(k == Z_BUF_ERROR && out == 0 && g->z.avail_in == 0)) {
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: the gzip stream is corrupt near offset %lld: %s", t->off,
					g->z.msg ? g->z.msg : zError(k));
		}
		if (t->off + (long long) out > TAR_GZ_MAX)
			return err_setx(e, -EFBIG, BS_EXIT_INTEGRITY, "tar: the gzip stream inflates past %lld bytes", TAR_GZ_MAX);
		if (out)
			return (ssize_t) out;
	}
}

/* Read exactly n bytes; -EBADMSG on a short file. */
static int read_full(struct tar_reader *t, void *buf, size_t n, struct bs_err *e)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = src_read(t, (char *) buf + got, n - got, e);
		if (r < 0)
			return (int) r;
		if (r == 0)
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: truncated at offset %lld", t->off + (long long) got);
		got += (size_t) r;
	}
	t->off += (long long) n;
	return 0;
}

static int skip(struct tar_reader *t, long long n, struct bs_err *e)
{
	static char sink[65536];
	struct stat st;
	long long end;

	/* A regular file: seek, and compare with its size so a truncated archive is still caught. */
	if (n > 0 && !t->gz && fstat(t->fd, &st) == 0 && S_ISREG(st.st_mode) && lseek(t->fd, n, SEEK_CUR) >= 0) {
		if (__builtin_add_overflow(t->off, n, &end) || end > (long long) st.st_size)
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: truncated at offset %lld", (long long) st.st_size);
		t->off += n;
		return 0;
	}
	/* A pipe: read, so truncation is caught all the same. */
	while (n > 0) {
		size_t step = n > (long long) sizeof sink ? sizeof sink : (size_t) n;
		int k = read_full(t, sink, step, e);
		if (k < 0)
			return k;
		n -= (long long) step;
	}
	return 0;
}

int tar_number(const unsigned char *f, size_t n, long long *ret)
{
	long long v = 0;
	size_t i = 0;

	if (n && (f[0] & 0x80)) { /* GNU base-256: big-endian two's complement */
		if (f[0] & 0x40)
			return -EBADMSG; /* negative: its sign bit is the first byte's second one */
		v = f[0] & 0x7F;
		for (i = 1; i < n; i++) {
			if (v > (0x7FFFFFFFFFFFFFFFLL >> 8))
				return -EBADMSG;
			v = (v << 8) | f[i];
		}
		*ret = v;
		return 0;
	}
	while (i < n && (f[i] == ' ' || f[i] == '\0'))
		i++;
	if (i == n) {
		*ret = 0;
		return 0;
	}
	for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (0x7FFFFFFFFFFFFFFFLL >> 3))
			return -EBADMSG;
		v = v * 8 + (f[i] - '0');
	}
	for (; i < n; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -EBADMSG;
	*ret = v;
	return 0;
}

static bool zero_block(const unsigned char *h)
{
	for (int i = 0; i < 512; i++)
		if (h[i])
			return false;
	return true;
}

static void field(char *dst, size_t cap, const unsigned char *src, size_t n)
{
	size_t l = strnlen((const char *) src, n);
	if (l >= cap)
		l = cap - 1;
	memcpy(dst, src, l);
	dst[l] = '\0';
}

/* Parse pax records "LEN KEY=VALUE\n" in buf[0..n). */
static int pax(const char *buf, size_t n, char *path, char *link, long long *size, struct bs_err *e, long long at)
{
	struct cursor c = cursor_of(buf, n);

	/* records "LEN key=value\n", LEN counting the whole record; NUL padding after them */
	while (cursor_left(&c) && c.p[c.off] != '\0') {
		size_t start = c.off, len = 0, rl, kl, vl;
		const char *rec, *eq, *v;
		while (cursor_left(&c) && c.p[c.off] >= '0' && c.p[c.off] <= '9' && len < 1000000)
			len = len * 10 + (size_t) (cursor_u8(&c) - '0');
		if (c.off == start || cursor_u8(&c) != ' ' || c.bad || len < 5 || len <= c.off - start)
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: bad pax record in the header at offset %lld", at);
		rl = len - (c.off - start); /* "key=value\n" */
		rec = (const char *) cursor_take(&c, rl);
		if (!rec || rec[rl - 1] != '\n')
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: bad pax record in the header at offset %lld", at);
		eq = memchr(rec, '=', rl - 1);
		if (!eq)
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: pax record without '=' at offset %lld", at);
		kl = (size_t) (eq - rec);
		vl = rl - 1 - kl - 1;
		v = eq + 1;
		if (kl == 4 && !memcmp(rec, "path", 4)) {
			if (vl >= TAR_NAME_MAX || memchr(v, '\0', vl))
				return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: bad pax path at offset %lld", at);
			memcpy(path, v, vl);
			path[vl] = '\0';
		} else if (kl == 8 && !memcmp(rec, "linkpath", 8)) {
			if (vl >= TAR_NAME_MAX || memchr(v, '\0', vl))
				return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: bad pax linkpath at offset %lld", at);
			memcpy(link, v, vl);
			link[vl] = '\0';
		} else if (kl == 4 && !memcmp(rec, "size", 4)) {
			long long sz = 0;
			while (vl > 1 && *v == '0')
				v++, vl--; /* leading zeros are allowed, and do not count toward the limit */
			if (vl == 0 || vl > 18)
				return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: bad pax size at offset %lld", at);
			for (size_t q = 0; q < vl; q++) {
				if (v[q] < '0' || v[q] > '9')
					return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: bad pax size at offset %lld", at);
				sz = sz * 10 + (v[q] - '0');
			}
			*size = sz;
		}
	}
	return 0;
}

/* The tar data has ended: read a gzip'd archive's stream on to the end of the file (what
 * `docker load` does), so that zlib checks every member's trailer.  What the stream holds
 * after the tar end is not looked at (Docker ignores it too); src_read bounds it. */
static int gz_finish(struct tar_reader *t, struct bs_err *e)
{
	static char sink[65536];
	for (;;) {
		ssize_t r = src_read(t, sink, sizeof sink, e);
		if (r <= 0)
			return (int) r;
		t->off += (long long) r;
	}
}

int tar_next(struct tar_reader *t, struct tar_entry *ent, struct bs_err *e)
{
	static char ext[TAR_EXT_MAX + 1];
	static char pax_path[TAR_NAME_MAX], pax_link[TAR_NAME_MAX], long_name[TAR_NAME_MAX], long_link[TAR_NAME_MAX];
	long long pax_size = -1, rest;
	int k;

	pax_path[0] = pax_link[0] = long_name[0] = long_link[0] = '\0';
	if (t->done)
		return 0;
	/* left and pad are bounded by TAR_SIZE_MAX below; checked all the same */
	if (__builtin_add_overflow(t->left, t->pad, &rest))
		return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: entry size overflows at offset %lld", t->off);
	k = skip(t, rest, e);
	if (k < 0)
		return k;
	t->left = t->pad = 0;
	for (;;) {
		unsigned char h[512];
		long long size, at = t->off, sum = 0, want;
		unsigned long usum = 0;
		char type;
		ssize_t r;

		/* The end: a zero block (normally two), or the end of the file right at a header. */
		r = src_read(t, h, 1, e);
		if (r == 0) {
			t->done = true;
			return 0;
		}
		if (r < 0)
			return (int) r;
		t->off += 1;
		k = read_full(t, h + 1, 511, e);
		if (k < 0)
			return k;
		if (zero_block(h)) {
			if (t->gz && (k = gz_finish(t, e)) < 0)
				return k;
			t->done = true;
			return 0;
		}
		for (int i = 0; i < 512; i++) {
			unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
			usum += c;
			sum += (signed char) c;
		}
		if (tar_number(h + 148, 8, &want) < 0 || (want != (long long) usum && want != sum))
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: bad header checksum at offset %lld", at);
		if (tar_number(h + 124, 12, &size) < 0)
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: bad size field at offset %lld", at);
		type = (char) h[156];
		if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
			if (size > TAR_EXT_MAX)
				return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: extension header of %lld bytes at offset %lld", size, at);
			k = read_full(t, ext, (size_t) size, e);
			if (k == 0)
				k = skip(t, (512 - size % 512) % 512, e);
			if (k < 0)
				return k;
			ext[size] = '\0';
			if (type == 'x') {
				k = pax(ext, (size_t) size, pax_path, pax_link, &pax_size, e, at);
			} else if (type == 'g') {
				long long ignored = -1;
				char glink[TAR_NAME_MAX];
				k = pax(ext, (size_t) size, t->gpath, glink, &ignored, e, at);
			} else {
				char *dst = type == 'L' ? long_name : long_link;
				size_t l = strnlen(ext, (size_t) size);
				if (l >= TAR_NAME_MAX)
					return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: GNU long name over %d bytes at offset %lld",
							TAR_NAME_MAX, at);
				memcpy(dst, ext, l);
				dst[l] = '\0';
			}
			if (k < 0)
				return k;
			continue;
		}
		/* GNU sparse: more 512-byte maps follow the header while "isextended" is set. */
		if (type == 'S') {
			unsigned char more = h[482];
			for (int blocks = 0; more; blocks++) {
				unsigned char x[512];
				if (blocks > 4096)
					return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: endless sparse map at offset %lld", at);
				k = read_full(t, x, 512, e);
				if (k < 0)
					return k;
				more = x[504];
			}
		}
		memset(ent, 0, sizeof *ent);
		ent->type = type ? type : '0';
		if (pax_path[0])
			snprintf(ent->name, sizeof ent->name, "%s", pax_path);
		else if (long_name[0])
			snprintf(ent->name, sizeof ent->name, "%s", long_name);
		else if (!memcmp(h + 257, "ustar\0", 6) && h[345]) { /* POSIX only: GNU keeps times there */
			char pre[156], nm[101];
			field(pre, sizeof pre, h + 345, 155);
			field(nm, sizeof nm, h, 100);
			snprintf(ent->name, sizeof ent->name, "%s/%s", pre, nm);
		} else
			field(ent->name, sizeof ent->name, h, 100);
		if (pax_link[0])
			snprintf(ent->link, sizeof ent->link, "%s", pax_link);
		else if (long_link[0])
			snprintf(ent->link, sizeof ent->link, "%s", long_link);
		else
			field(ent->link, sizeof ent->link, h + 157, 100);
		{
			long long mode;
			ent->mode = tar_number(h + 100, 8, &mode) == 0 ? (unsigned) (mode & 07777) : 0;
		}
		if (pax_size >= 0)
			size = pax_size;
		if (size > TAR_SIZE_MAX)
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "tar: entry size %lld at offset %lld is over the limit (%lld)",
					size, at, TAR_SIZE_MAX);
		/* Links and directories carry no data whatever their size field says. */
		if (ent->type == '1' || ent->type == '2' || ent->type == '5')
			size = 0;
		ent->size = size;
		ent->data_offset = t->off;
		t->left = size;
		t->pad = (512 - size % 512) % 512;
		return 1;
	}
}

long long tar_read(struct tar_reader *t, void *buf, size_t n, struct bs_err *e)
{
	int k;
	if (t->left == 0)
		return 0;
	if ((long long) n > t->left)
		n = (size_t) t->left;
	k = read_full(t, buf, n, e);
	if (k < 0)
		return k;
	t->left -= (long long) n;
	return (long long) n;
}
