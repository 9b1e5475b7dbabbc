/* test_http.c: the HTTP response reader against llhttp's response cases
 * (src/tests/data/llhttp/response, every .md), fed through a socketpair into the same code
 * that reads from the network; plus chunked-decoder, URL and NO_PROXY cases, and the
 * verdicts on responses that break HTTP/1.1 (exit 102, not retried), are cut short (111,
 * retried), fold header lines (unfolded) or answer 206 to a request without Range.
 *
 * For each case the expected outcome of the first final (non-1xx) message is taken from
 * llhttp's event log: error or not, the status, the body length.  Two rules translate
 * llhttp's streaming view into ours: 1xx messages are skipped (we wait for the final
 * answer), and a message with Content-Length or chunked framing that llhttp saw cut off
 * by the end of input (no "message complete", no error: llhttp waits for more) is an
 * error for us (a body shorter than announced is never a success).  Where our client is
 * stricter than llhttp on purpose, the case is listed in `deviations` with the reason and
 * our outcome, and asserted like the others.  Cases for llhttp's lenient flags (types
 * other than "response") are reported as skipped. */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/conn.h"
#include "lib/http.h"
#include "lib/url.h"
#include "tap.h"
#include "unixsrv.h"

#define DATA "src/tests/data/llhttp/response"

static struct http_bufs bufs; /* what every request and read here works in */

static const struct {
	const char *title;   /* the case's "## " title */
	int ok;              /* our outcome: 1 accepted, 0 refused */
	const char *why;
} deviations[] = {
	{ "HTTP 200 response with Upgrade header", 1,
	  "llhttp stops (pauses) at an Upgrade; we never asked to upgrade, so a 200 is read as usual" },
	{ "RTSP response", 0, "we speak HTTP/1.0 and HTTP/1.1 only" },
	{ "ICE response", 0, "we speak HTTP/1.0 and HTTP/1.1 only" },
	{ "HTTP version 0.9", 0, "we speak HTTP/1.0 and HTTP/1.1 only" },
	{ "`chunked` before other transfer-encoding", 0,
	  "a Transfer-Encoding other than exactly \"chunked\" is refused, not read to EOF" },
	{ "multiple transfer-encoding where chunked is not the last one", 0,
	  "a repeated Transfer-Encoding header is refused" },
	{ "`chunkedchunked` transfer-encoding does not enable chunked enconding", 0,
	  "a Transfer-Encoding other than exactly \"chunked\" is refused, not read to EOF" },
};

struct md_case {
	char title[256];
	char type[64];
	char in[65536];
	size_t in_len;
	int want_error;      /* llhttp: error before the first final message completed */
	int status;
	long long body;      /* body bytes of the first final message */
	int complete;        /* llhttp saw it complete */
	unsigned flags;      /* llhttp's flags at headers complete (0x20 Content-Length, 0x08 chunked) */
};

static int unesc(const char *s, size_t n, char *out, size_t *o, size_t cap, int *cont)
{
	*cont = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (*o + 2 >= cap)
			return -1;
		if (c == '\\' && i + 1 == n) {
			*cont = 1; /* a trailing backslash joins the next line without a line break */
			return 0;
		}
		/* only \r, \n and \t are escapes in these files; any other backslash is literal */
		if (c == '\\' && i + 1 < n && (s[i + 1] == 'r' || s[i + 1] == 'n' || s[i + 1] == 't')) {
			char d = s[++i];
			c = d == 'r' ? '\r' : d == 'n' ? '\n' : '\t';
		}
		out[(*o)++] = c;
	}
	return 0;
}

/* Read the next case from text at *pos.  1 found, 0 none left. */
static int next_case(const char *text, size_t *pos, struct md_case *mc)
{
	const char *p = text + *pos, *h, *meta, *blk, *end, *log, *logend;

	h = strstr(p, "\n## ");
	if (!h)
		return 0;
	memset(mc, 0, sizeof *mc);
	{
		const char *eol = strchr(h + 4, '\n');
		snprintf(mc->title, sizeof mc->title, "%.*s", (int) (eol - h - 4), h + 4);
	}
	meta = strstr(h, "<!-- meta=");
	blk = strstr(h, "```http\n");
	if (!meta || !blk) {
		*pos = (size_t) (h + 4 - text);
		return next_case(text, pos, mc);
	}
	{
		const char *t = strstr(meta, "\"type\": \"");
		if (t && t < blk)
			snprintf(mc->type, sizeof mc->type, "%.*s", (int) strcspn(t + 9, "\""), t + 9);
		if (strstr(meta, "skipBody") && strstr(meta, "skipBody") < blk)
			snprintf(mc->type, sizeof mc->type, "skipBody");
	}
	blk += 8;
	end = strstr(blk, "\n```");
	for (const char *l = blk; l <= end;) {
		const char *nl = strchr(l, '\n');
		int cont;
		unesc(l, (size_t) (nl - l), mc->in, &mc->in_len, sizeof mc->in, &cont);
		if (!cont && nl < end + 1 && l != end + 1) {
			if (nl == end)
				break; /* the block's last line: llhttp adds no line break after it */
			mc->in[mc->in_len++] = '\r';
			mc->in[mc->in_len++] = '\n';
		}
		l = nl + 1;
	}
	log = strstr(end, "```log\n");
	logend = log ? strstr(log + 7, "\n```") : NULL;
	mc->want_error = 0;
	mc->status = -1;
	for (const char *l = log ? log + 7 : NULL; l && l < logend;) {
		const char *nl = strchr(l, '\n');
		const char *st = strstr(l, "headers complete status="), *bd = strstr(l, "span[body]"), *er = strstr(l, " error code=");
		if (st && st < nl) {
			const char *fl = strstr(st, "flags=");
			mc->status = atoi(st + 24);
			mc->flags = fl && fl < nl ? (unsigned) strtoul(fl + 6, NULL, 16) : 0; /* llhttp prints hex */
			mc->body = 0;
		}
		if (bd && bd < nl) {
			const char *len = strstr(l, "len=");
			mc->body += len && len < nl ? atoll(len + 4) : 0;
		}
		if (er && er < nl) {
			mc->want_error = 1;
			break;
		}
		if (strstr(l, "message complete") && strstr(l, "message complete") < nl) {
			if (mc->status >= 100 && mc->status <= 199 && mc->status != 101) {
				l = nl + 1; /* an interim answer: the final one follows */
				continue;
			}
			mc->complete = 1;
			break;
		}
		l = nl + 1;
	}
	*pos = (size_t) ((logend ? logend : end) - text);
	return 1;
}

static int run_ours(const struct md_case *mc, struct http_resp *r, struct bs_err *e)
{
	int sv[2], k;
	struct conn c;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* 64 KiB fits the socket buffer: write all, then close, so the reader sees EOF after it. */
	if (write(sv[0], mc->in, mc->in_len) != (ssize_t) mc->in_len)
		return -EIO;
	close(sv[0]);
	c.fd = sv[1];
	c.tls = false;
	c.io_timeout_ms = 1000;
	k = http_read_response(&c, "GET", NULL, r, &bufs, e);
	close(sv[1]);
	return k;
}

static void md_file(const char *path, int *skipped)
{
	static char text[1 << 20];
	static struct md_case mc;
	static struct http_resp r;
	const char *name = strrchr(path, '/') + 1;
	struct bs_err e;
	size_t pos = 0;
	FILE *f = fopen(path, "re");
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;

	if (f)
		fclose(f);
	text[n] = '\0';
	while (next_case(text, &pos, &mc)) {
		int k, dev = -1;
		if (strcmp(mc.type, "response") != 0 && strcmp(mc.type, "response-finish") != 0) {
			printf("ok %d - %s: %s # SKIP llhttp mode '%s'\n", ++tap_n, name, mc.title, mc.type);
			(*skipped)++;
			continue;
		}
		for (size_t i = 0; i < sizeof deviations / sizeof deviations[0]; i++)
			if (!strcmp(deviations[i].title, mc.title))
				dev = (int) i;
		err_clear(&e);
		k = run_ours(&mc, &r, &e);
		if (dev >= 0) {
			OK((k == 0) == deviations[dev].ok, "%s: %s: %s (deviation: %s)", name, mc.title,
			   k == 0 ? "accepted" : e.msg, deviations[dev].why);
		} else if (mc.want_error || (!mc.complete && (mc.flags & (0x20 | 0x08)))) {
			OK(k < 0, "%s: %s: refused like llhttp (%s)", name, mc.title, k < 0 ? e.msg : "we accepted it");
		} else {
			OK(k == 0 && r.status == mc.status && r.body_total == mc.body,
			   "%s: %s: status %d body %lld (ours: %s, status %d, body %lld)", name, mc.title, mc.status, mc.body,
			   k == 0 ? "ok" : e.msg, r.status, r.body_total);
		}
	}
}

struct acc {
	char buf[256];
	size_t n;
};

static int acc_emit(void *ctx, const void *p, size_t n, struct bs_err *e)
{
	struct acc *a = ctx;
	(void) e;
	if (a->n + n >= sizeof a->buf)
		return -E2BIG;
	memcpy(a->buf + a->n, p, n);
	a->n += n;
	a->buf[a->n] = '\0';
	return 0;
}

static int chunked(const char *in, size_t split, struct acc *a, struct bs_err *e)
{
	struct http_chunked c;
	size_t used = 0, n = strlen(in);
	int k;
	http_chunked_init(&c);
	a->n = 0;
	a->buf[0] = '\0';
	if (split > n)
		split = n;
	k = http_chunked_push(&c, in, split, &used, acc_emit, a, e);
	if (k == 0)
		k = http_chunked_push(&c, in + split, n - split, &used, acc_emit, a, e);
	return k;
}

static void unix_cases(void)
{
	static struct http_resp r;
	static char body[256];
	struct http_mem m;
	struct http_sink s;
	struct http_opts o = { .unix_path = "/tmp/bs-test-http.sock", .max_attempts = 3, .max_total_ms = 5000, .bufs = &bufs };
	struct bs_err e;
	const char *ok[] = { "HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\nContent-Length: 2\r\n\r\nOK" };
	const char *daemon_error[] = { "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 21\r\n\r\n{\"message\":\"no caps\"}" };
	const char *chunked[] = { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" };
	const char *big[] = { "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" };
	pid_t pid;
	int k, st;

	pid = unix_server(o.unix_path, ok, 1);
	http_mem_sink(&s, &m, body, sizeof body);
	k = http_request("http://docker/_ping", &o, &s, &r, &e);
	OK(k == 0 && r.status == 200 && !strcmp(body, "OK") && !strcmp(r.api_version, "1.47"),
	   "unix socket: GET /_ping, body and Api-Version read (%s)", k ? e.msg : "ok");
	waitpid(pid, &st, 0);
	/* Over a unix socket (Docker) a 5xx is the daemon's answer: returned with its body, once. */
	pid = unix_server(o.unix_path, daemon_error, 1);
	k = http_request("http://docker/x", &o, &s, &r, &e);
	OK(k == 0 && r.status == 500 && r.attempts == 1 && strstr(r.err_body, "no caps"),
	   "unix socket: a 500 is the daemon's answer, returned once with its reason (%s)", k ? e.msg : "ok");
	waitpid(pid, &st, 0);
	pid = unix_server(o.unix_path, chunked, 1);
	k = http_request("http://docker/x", &o, &s, &r, &e);
	OK(k == 0 && !strcmp(body, "hi"), "unix socket: a chunked 200 read (%s)", k ? e.msg : "ok");
	waitpid(pid, &st, 0);
	o.max_body = 100;
	pid = unix_server(o.unix_path, big, 1);
	k = http_request("http://docker/x", &o, &s, &r, &e);
	OK(k == -E2BIG, "a body over max_body is refused before it is read (%s)", e.msg);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	unlink(o.unix_path);
}

/* ---- the verdicts on responses that are not the object, or break HTTP/1.1 */

#define SOCK "/tmp/bs-test-http.sock"

/* Read one response from in[0..n) through a socketpair (n must fit the socket buffer). */
static int feed(const char *in, size_t n, struct http_resp *r, struct bs_err *e)
{
	int sv[2], k;
	struct conn c;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (write(sv[0], in, n) != (ssize_t) n)
		return -EIO;
	close(sv[0]);
	c.fd = sv[1];
	c.tls = false;
	c.io_timeout_ms = 1000;
	err_clear(e);
	k = http_read_response(&c, "GET", NULL, r, &bufs, e);
	close(sv[1]);
	return k;
}

/* http_request over a unix socket whose server gives the same answer to each of up to 3
 * attempts.  body gets what the sink was given. */
static int scripted(const char *answer, const char *headers, struct http_resp *r, char *body, size_t cap,
		    struct bs_err *e)
{
	const char *answers[3] = { answer, answer, answer };
	struct http_opts o = { .unix_path = SOCK, .max_attempts = 3, .max_total_ms = 5000, .headers = headers, .bufs = &bufs };
	struct http_mem m;
	struct http_sink s;
	pid_t pid;
	int k, st;

	http_mem_sink(&s, &m, body, cap);
	pid = unix_server(o.unix_path, answers, 3);
	err_clear(e);
	k = http_request("http://docker/x", &o, &s, r, e);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	unlink(o.unix_path);
	return k;
}

static bool proto_refused(int k, const struct http_resp *r, const struct bs_err *e)
{
	return k == -EPROTO && err_exit_code(e) == BS_EXIT_INTEGRITY && r->attempts == 1 &&
	       strstr(e->msg, "protocol error") && strstr(e->msg, "retrying will not help");
}

static void verdict_cases(void)
{
	static struct http_resp r;
	static char body[256], big[HTTP_HEAD_MAX + 4096], hdrs[120 * 16];
	static const struct {
		const char *what, *in;
	} proto[] = {
		{ "malformed status line", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n" },
		{ "malformed header line", "HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n" },
		{ "bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi" },
		{ "bare LF in one header line", "HTTP/1.1 200 OK\r\nX-A: 1\nContent-Length: 2\r\n\r\nhi" },
		{ "Content-Length and Transfer-Encoding",
		  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" },
		{ "two Content-Length values", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi" },
		{ "chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n" },
		{ "chunk data longer than its size",
		  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nhi\r\n0\r\n\r\n" },
		{ "whitespace before the first header line", "HTTP/1.1 200 OK\r\n X: y\r\nContent-Length: 0\r\n\r\n" },
		{ "a folded Content-Length that unfolds to '2 3'", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 3\r\n\r\nhi" },
		{ "206 Partial Content to a request without Range",
		  "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-1/10\r\nContent-Length: 2\r\n\r\nab" },
	};
	static const struct {
		const char *what, *in;
	} cut[] = {
		{ "body shorter than its Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc" },
		{ "chunked body cut short", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab" },
		{ "head cut short", "HTTP/1.1 200 OK\r\nContent-Le" },
	};
	struct bs_err e;
	size_t n;
	int k;

	for (size_t i = 0; i < sizeof proto / sizeof proto[0]; i++) {
		k = scripted(proto[i].in, NULL, &r, body, sizeof body, &e);
		/* (a chunked body streams: bytes before the bad one may reach the sink; the caller
		 * drops them on the error, as on any failed attempt) */
		OK(proto_refused(k, &r, &e) && (r.status != 206 || body[0] == '\0'),
		   "%s: a protocol error, exit 102, not retried (k %d, exit %d, %d attempts, body '%s': %s)", proto[i].what,
		   k, err_exit_code(&e), r.attempts, body, e.msg);
	}
	for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
		k = scripted(cut[i].in, NULL, &r, body, sizeof body, &e);
		OK(k < 0 && err_exit_code(&e) == BS_EXIT_TEMP && r.attempts == 3,
		   "%s: temporary (exit 111), retried (k %d, exit %d, %d attempts: %s)", cut[i].what, k, err_exit_code(&e),
		   r.attempts, e.msg);
	}

	/* 206 is the object only when we asked for a range. */
	k = scripted(proto[sizeof proto / sizeof proto[0] - 1].in, "Range: bytes=0-1\r\n", &r, body, sizeof body, &e);
	OK(k == 0 && r.status == 206 && !strcmp(body, "ab"), "206 to a request with Range: taken (%s)", k ? e.msg : "ok");
	k = feed(proto[sizeof proto / sizeof proto[0] - 1].in, strlen(proto[sizeof proto / sizeof proto[0] - 1].in), &r, &e);
	OK(k < 0 && err_exit_code(&e) == BS_EXIT_INTEGRITY && strstr(e.msg, "206"),
	   "206 without Range through http_read_response: refused naming the status (%s)", k ? e.msg : "accepted");

	/* obs-fold (RFC 9112 5.2): a user agent may replace it with SP; we do. */
	{
		const char *in = "HTTP/1.1 200 OK\r\nContent-Type: text/plain;\r\n\tcharset=utf-8\r\nX-Long: a \r\n  b\r\n"
				 "Content-Length:\r\n 2\r\n\r\nhi";
		k = feed(in, strlen(in), &r, &e);
		OK(k == 0 && !strcmp(r.content_type, "text/plain; charset=utf-8") && r.content_length == 2 && r.body_total == 2,
		   "obs-fold: folded lines unfolded with one SP (%s, Content-Type '%s', length %lld)", k ? e.msg : "ok",
		   r.content_type, r.content_length);
		in = "HTTP/1.1 301 Moved\r\nLocation:\r\n /a\r\nContent-Length: 0\r\n\r\n";
		k = feed(in, strlen(in), &r, &e);
		OK(k == 0 && !strcmp(r.location, "/a"), "obs-fold: an empty first line then the value (%s, '%s')",
		   k ? e.msg : "ok", r.location);
	}

	/* 100 header lines are the limit; 101 are a protocol error (folded lines count). */
	n = 0;
	for (int i = 0; i < 100; i++)
		n += (size_t) snprintf(hdrs + n, sizeof hdrs - n, "X-%d: v\r\n", i);
	(void) snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n%s\r\n", hdrs);
	err_clear(&e);
	k = http_parse_head(big, strlen(big), &r, &e);
	OK(k == 0, "100 header lines accepted (%s)", k ? e.msg : "ok");
	(void) snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n%sX-100: v\r\n\r\n", hdrs);
	err_clear(&e);
	k = http_parse_head(big, strlen(big), &r, &e);
	OK(k == -EPROTO && err_exit_code(&e) == BS_EXIT_INTEGRITY && strstr(e.msg, "100 header lines"),
	   "101 header lines: a protocol error, exit 102 (k %d, exit %d: %s)", k, err_exit_code(&e), e.msg);
	(void) snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n%s\r\n", hdrs);
	memcpy(strstr(big, "X-99: v\r\n"), "X-99: v\r\n w\r\n\r\n", 16); /* with its NUL */
	err_clear(&e);
	k = http_parse_head(big, strlen(big), &r, &e);
	OK(k == -EPROTO, "100 header lines and one folded line: 101 lines, refused (%s)", k ? e.msg : "accepted");
	k = scripted(big, NULL, &r, body, sizeof body, &e);
	OK(proto_refused(k, &r, &e), "101 header lines over the wire: exit 102, not retried (exit %d, %d attempts: %s)",
	   err_exit_code(&e), r.attempts, e.msg);

	/* A head over 64 KiB: one long header line. */
	n = (size_t) snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(big + n, 'a', HTTP_HEAD_MAX);
	memcpy(big + n + HTTP_HEAD_MAX, "\r\nContent-Length: 0\r\n\r\n", 24);
	k = scripted(big, NULL, &r, body, sizeof body, &e);
	OK(proto_refused(k, &r, &e) && strstr(e.msg, "64"),
	   "head over 64 KiB: a protocol error, exit 102, not retried (k %d, exit %d, %d attempts: %s)", k,
	   err_exit_code(&e), r.attempts, e.msg);
}

int main(void)
{
	const char *files[] = { "sample.md", "content-length.md", "transfer-encoding.md", "invalid.md", "connection.md",
				"finish.md", "pipelining.md", "pausing.md", "lenient-version.md" };
	struct acc a;
	struct bs_err e;
	struct url u;
	char buf[600];
	int skipped = 0, ok_all = 1;

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(buf, sizeof buf, "%s/%s", DATA, files[i]);
		md_file(buf, &skipped);
	}
	printf("# %d llhttp cases skipped (lenient modes we do not have)\n", skipped);

	/* the backoff's bounds: full jitter up to min(cap, base * 2^attempt) */
	{
		const unsigned int top = ~0u;
		EQ_INT(http_backoff_ms(1, false, 500), 500, "backoff after attempt 1: up to 500 ms (500 reached)");
		EQ_INT(http_backoff_ms(1, false, 501), 0, "... and 501 wraps (uniform in 0..500)");
		EQ_INT(http_backoff_ms(5, false, 8000), 8000, "backoff after attempt 5: up to the 8 s cap");
		EQ_INT(http_backoff_ms(9, false, top) <= 8000, 1, "backoff never over 8 s");
		EQ_INT(http_backoff_ms(1, true, 2000), 2000, "throttled (503, 429), attempt 1: up to 2 s");
		EQ_INT(http_backoff_ms(4, true, 16000), 16000, "throttled, attempt 4: up to 16 s");
		EQ_INT(http_backoff_ms(29, true, 20000), 20000, "throttled, attempt 29: up to the 20 s cap");
		EQ_INT(http_backoff_ms(29, true, top) <= 20000, 1, "throttled: never over 20 s");
		EQ_INT(http_backoff_ms(1, true, 0), 0, "the jitter starts at 0");
		OK(HTTP_THROTTLE_ATTEMPTS > 5, "throttling gets more attempts (%d) than other failures (5)", HTTP_THROTTLE_ATTEMPTS);
	}

	/* chunked: every split point of a valid body gives the same bytes */
	for (size_t s = 0; s < 40; s++) {
		int k = chunked("4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-T: 1\r\n\r\n", s, &a, &e);
		ok_all &= k == 1 && !strcmp(a.buf, "Wikipedia");
	}
	OK(ok_all, "chunked: same result at every split point, extensions and trailers accepted");
	OK(chunked("G\r\n", 99, &a, &e) < 0, "chunked: bad size refused");
	OK(chunked("1000000000000000\r\n", 99, &a, &e) < 0, "chunked: 16 hex digits refused (overflow)");
	OK(chunked("3\r\nabcd\r\n", 99, &a, &e) < 0, "chunked: data longer than its size refused");
	OK(chunked("3\nabc\r\n", 99, &a, &e) < 0, "chunked: bare LF after the size refused");
	OK(chunked("3\r\nabc\r\n", 99, &a, &e) == 0, "chunked: incomplete body asks for more");

	OK(url_parse("https://example.com", &u, &e) == 0 && !strcmp(u.path, "/") && u.port == 443, "url: default path and port");
	OK(url_parse("http://[::1]:8080/x?y=1#frag", &u, &e) == 0 && u.host_is_v6 && u.port == 8080 && !strcmp(u.path, "/x?y=1"),
	   "url: IPv6, port, query kept, fragment dropped");
	OK(url_parse("s3://bucket/dir/key.tar", &u, &e) == 0 && !strcmp(u.host, "bucket") && !strcmp(u.path, "dir/key.tar"),
	   "url: s3 bucket and key");
	OK(url_parse("s3://bucket", &u, &e) < 0, "url: s3 without a key refused");
	OK(url_parse("https://user:pw@host/", &u, &e) < 0, "url: user info refused");
	OK(url_parse("https://host:99999/", &u, &e) < 0, "url: port out of range refused");
	OK(url_parse("https://ho st/", &u, &e) < 0, "url: space refused");
	OK(url_parse("ftp://host/", &u, &e) < 0, "url: other schemes refused");
	{
		struct url base, to;
		url_parse("https://h.example/a/b/c?q", &base, &e);
		OK(url_resolve(&base, "d", &to, &e) == 0 && !strcmp(to.path, "/a/b/d"), "url: relative redirect");
		OK(url_resolve(&base, "/x", &to, &e) == 0 && !strcmp(to.host, "h.example") && !strcmp(to.path, "/x"),
		   "url: absolute-path redirect");
		OK(url_resolve(&base, "//other/y", &to, &e) == 0 && !strcmp(to.host, "other") && to.scheme == URL_HTTPS,
		   "url: scheme-relative redirect keeps https");
	}
	{
		const char *np = "169.254.169.254, .internal,example.com";
		OK(http_no_proxy(np, "169.254.169.254"), "NO_PROXY: exact address");
		OK(http_no_proxy(np, "a.b.internal"), "NO_PROXY: .suffix");
		OK(http_no_proxy(np, "s3.example.com") && http_no_proxy(np, "example.com"),
		   "NO_PROXY: domain matches itself and subdomains");
		OK(!http_no_proxy(np, "badexample.com"), "NO_PROXY: no partial-label match");
		OK(http_no_proxy("*", "anything") && !http_no_proxy(NULL, "anything"), "NO_PROXY: '*' matches all, none nothing");
	}
	{
		char code[64];
		http_s3_error_code("<Error><Code>NoSuchKey</Code><Message>x</Message></Error>", code, sizeof code);
		EQ_STR(code, "NoSuchKey", "S3 error code extracted");
	}
	unix_cases();
	verdict_cases();
	return tap_done();
}
