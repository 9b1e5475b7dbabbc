/* cmd_fetch.c: `fetch URL [-o FILE] [--sha256 HEX]`.
 *
 * The body streams into FILE.partial while it is hashed; FILE appears (rename, after
 * fsync) only when the body is complete and, with --sha256, its digest matches.  A
 * failed or interrupted download leaves no FILE and removes its .partial (a retry
 * restarts from zero).  FILE.partial is created exclusively (a stale one of ours is removed
 * first; one that cannot be removed, another user's in a sticky directory, stops the fetch),
 * so the result is never a file someone else can write.  Progress: a refreshing line on a
 * terminal, a line per 10% otherwise.
 * Written in place, never replaced (no .partial, no rename; a digest mismatch is reported
 * after the bytes went out): -o - (stdout) and an -o that exists and is not a regular file
 * (a character device such as /dev/null, a FIFO, a socket, or a symlink such as /dev/stdout).
 * Such an output cannot be rewound: a retry after bytes were written fails instead. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd_fetch.h"
#include "lib/fetch.h"
#include "lib/sha256.h"
#include "lib/tls.h"
#include "lib/fileio.h"
#include "log.h"
#include "lib/clock.h"

struct dl {
	int fd;
	struct sha256_ctx h;
	long long total, done, started_ms, last_ms;
	int last_decile;
	bool tty;
	bool hash;  /* only with --sha256: hashing costs a third of the CPU of a fetch */
	bool in_place; /* stdout, a device, a FIFO, a symlink: written as it is, never renamed over */
	bool seekable; /* a regular file (the .partial): a retry truncates it */
	long long written; /* bytes written to fd by every attempt */
};

static void progress(struct dl *d, bool final)
{
	long long now = clock_ms(), el = now - d->started_ms;
	double mib = (double) d->done / 1048576.0, rate = el > 0 ? mib * 1000.0 / (double) el : 0;

	if (d->tty) {
		if (!final && now - d->last_ms < 250)
			return;
		d->last_ms = now;
		if (d->total > 0)
			fprintf(stderr, "\r%3d%%  %.1f of %.1f MiB  %.1f MiB/s   ", (int) (d->done * 100 / d->total), mib,
				(double) d->total / 1048576.0, rate);
		else
			fprintf(stderr, "\r%.1f MiB  %.1f MiB/s   ", mib, rate);
		if (final)
			fputc('\n', stderr);
		return;
	}
	if (d->total > 0) {
		int dec = (int) (d->done * 10 / d->total);
		if (dec > d->last_decile && !final) {
			d->last_decile = dec;
			log_msg(LOG_INFO, "fetch", "%d%% (%.1f of %.1f MiB, %.1f MiB/s)", dec * 10, mib,
				(double) d->total / 1048576.0, rate);
		}
	} else if (now - d->last_ms >= 10000) {
		d->last_ms = now;
		log_msg(LOG_INFO, "fetch", "%.1f MiB (%.1f MiB/s)", mib, rate);
	}
}

static int dl_begin(void *ctx, const struct http_resp *r, struct bs_err *e)
{
	struct dl *d = ctx;
	/* A retry starts over: drop whatever an earlier attempt wrote, where that can be done. */
	if (d->seekable && (ftruncate(d->fd, 0) < 0 || lseek(d->fd, 0, SEEK_SET) < 0))
		return err_set(e, -errno, "truncate the .partial file: %s", strerror(errno));
	if (!d->seekable && d->written > 0)
		return err_setx(e, -ESPIPE, BS_EXIT_TEMP,
				"the transfer broke after %lld bytes went to an output that cannot be rewound (a pipe or device): "
				"not retried here; run the fetch again", d->written);
	if (d->hash)
		sha256_init(&d->h);
	d->total = r->content_length;
	d->done = 0;
	d->last_decile = 0;
	d->started_ms = d->last_ms = clock_ms();
	return 0;
}

static int dl_data(void *ctx, const void *p, size_t n, struct bs_err *e)
{
	struct dl *d = ctx;
	size_t w = 0;
	int k;

	if (d->hash)
		sha256_update(&d->h, p, n);
	k = fileio_write_all(d->fd, p, n, &w);
	d->written += (long long) w;
	if (k < 0)
		return err_setx(e, k, k == -ENOSPC ? BS_EXIT_TEMP : BS_EXIT_USAGE, "write: %s", strerror(-k));
	d->done += (long long) n;
	progress(d, false);
	return 0;
}

static bool hex_ok(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
			return false;
	return true;
}

/* Constant time: the comparison does not tell how many leading characters matched. */
static bool same_digest(const char *a, const char *b)
{
	unsigned diff = 0;
	for (int i = 0; i < 64; i++) {
		unsigned x = (unsigned char) a[i], y = (unsigned char) b[i];
		if (y >= 'A' && y <= 'F')
			y += 32;
		diff |= x ^ y;
	}
	return diff == 0;
}

static int fsync_dir_of(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd, k = 0;
	if (!slash)
		(void) snprintf(dir, sizeof dir, ".");
	else
		(void) snprintf(dir, sizeof dir, "%.*s", (int) (slash == path ? 1 : slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		k = -errno;
	(void) close(fd);
	return k;
}

static const char *basename_of(const char *url)
{
	/* an s3:// key is taken as written ('#' and '?' are part of it); elsewhere they end the path */
	const char *q = strncmp(url, "s3://", 5) ? strpbrk(url, "?#") : NULL, *end = q ? q : url + strlen(url), *s = end;
	static char name[256];
	while (s > url && s[-1] != '/')
		s--;
	if (s == end || end - s >= (long) sizeof name)
		return NULL;
	(void) snprintf(name, sizeof name, "%.*s", (int) (end - s), s);
	return name;
}

int cmd_fetch(struct run *r, const char *url, const char *out, const char *want, const char *region)
{
	static struct http_resp resp;
	static struct dl d;
	struct http_sink sink = { dl_begin, dl_data, &d };
	struct fetch_opts fo = { .region = region };
	char partial[4200], got[65] = { 0 };
	struct stat st;
	long long t0 = clock_ms();
	int k;

	if (want && !hex_ok(want))
		return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE, "--sha256 '%s': want 64 hex digits", want);
	if (!out && !(out = basename_of(url)))
		return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE, "cannot name the output after '%s': give -o FILE", url);
	if (!strncmp(url, "http://", 7))
		log_msg(LOG_WARNING, "fetch", "'%s' is plain http: nothing protects it in transit%s", url,
			want ? " (the --sha256 check still does)" : "");
	memset(&d, 0, sizeof d);
	d.tty = isatty(STDERR_FILENO);
	d.hash = want != NULL;
	if (!strcmp(out, "-")) {
		d.fd = STDOUT_FILENO;
		d.in_place = true;
		d.seekable = false;
	} else if (lstat(out, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		/* /dev/null, a FIFO, /dev/stdout: write into it; renaming over it would replace the
		 * device (as root: every later write to /dev/null would land in a regular file). */
		d.fd = open(out, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (d.fd < 0)
			return err_setx(&r->err, -errno, BS_EXIT_USAGE, "open '%s': %s", out, strerror(errno));
		d.in_place = true;
		d.seekable = fstat(d.fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(d.fd, 0) == 0;
	} else {
		if (snprintf(partial, sizeof partial, "%s.partial", out) >= (int) sizeof partial)
			return err_setx(&r->err, -ENAMETOOLONG, BS_EXIT_USAGE, "output path too long");
		/* Ours from an interrupted fetch, or someone else's: never write into an existing one. */
		if (unlink(partial) < 0 && errno != ENOENT)
			return err_setx(&r->err, -errno, BS_EXIT_USAGE,
					"'%s' exists and cannot be removed (%s): remove it or choose another -o", partial,
					strerror(errno));
		d.fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (d.fd < 0)
			return err_setx(&r->err, -errno, BS_EXIT_USAGE, "create '%s': %s%s", partial, strerror(errno),
					errno == EEXIST ? " (created by someone else meanwhile)" : "");
		d.seekable = true;
	}
	(void) tls_trust_load(&r->net.tls, r->root_fd, r->net.ssl_cert_file, r->net.ssl_cert_var, &r->err); /* errors resurface at the first https use */
	err_clear(&r->err);
	k = fetch_url(&r->net, url, &fo, &sink, &resp, &r->err);
	if (d.done && d.tty)
		progress(&d, true);
	got[0] = '\0';
	if (k == 0) {
		if (d.hash)
			sha256_hex(&d.h, got);
		if (resp.content_length >= 0 && d.done != resp.content_length)
			k = err_setx(&r->err, -EPROTO, BS_EXIT_TEMP, "got %lld bytes, Content-Length said %lld", d.done,
				     resp.content_length);
		else if (want && !same_digest(got, want))
			k = err_setx(&r->err, -EBADMSG, BS_EXIT_INTEGRITY, "sha256 of the download is %s, want %s", got, want);
	}
	if (k == 0 && !d.in_place) {
		if (fsync(d.fd) < 0)
			k = err_set(&r->err, -errno, "fsync '%s': %s", partial, strerror(errno));
		else if (rename(partial, out) < 0)
			k = err_set(&r->err, -errno, "rename '%s' to '%s': %s", partial, out, strerror(errno));
		else
			(void) fsync_dir_of(out);
	}
	if (d.fd != STDOUT_FILENO) {
		(void) close(d.fd);
		if (k < 0 && !d.in_place)
			(void) unlink(partial); /* never leave a complete-looking file behind */
	}
	if (k < 0)
		return k;
	{
		long long ms = clock_ms() - t0;
		log_msg(LOG_INFO, "fetch", "%s -> '%s': %lld bytes in %lld ms (%.1f MiB/s)%s%s", url, out, d.done, ms,
			ms > 0 ? (double) d.done / 1048576.0 * 1000.0 / (double) ms : 0.0, want ? ", sha256 verified: " : "", got);
	}
	return BS_EXIT_OK;
}
