/* http.c: see http.h. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"

#include "conn.h"
#include "hex.h"
#include "tls.h"
#include "clock.h"

#ifndef BS_VERSION
#define BS_VERSION "0"
#endif

#define ERRBODY_DRAIN_MAX (1024UL * 1024) /* read at most this much of an error body */

/* ------------------------------------------------------------------ proxies */

bool http_no_proxy(const char *np, const char *host)
{
	size_t hl = strlen(host);

	if (!np)
		return false;
	while (*np) {
		size_t n = strcspn(np, ", ");
		const char *item = np;
		if (n) {
			if (n == 1 && *item == '*')
				return true;
			if (*item == '.')
				item++, n--;
			/* "example.com" matches example.com and *.example.com */
			if (n && n <= hl && !strncasecmp(host + hl - n, item, n) && (hl == n || host[hl - n - 1] == '.'))
				return true;
		}
		np += n;
		np += strspn(np, ", ");
	}
	return false;
}

static const char *proxy_for(const struct url *u, const struct net *n)
{
	const char *p = !n ? NULL : u->scheme == URL_HTTPS ? n->https_proxy : n->http_proxy;
	if (!p || !*p || http_no_proxy(n->no_proxy, u->host))
		return NULL;
	return p;
}

/* ------------------------------------------------------------------ one attempt */

struct attempt {
	const struct http_opts *o;
	struct http_bufs *b;
	const struct http_sink *s;
	struct http_resp *r;
	bool ok2xx;
	size_t err_drained;
};

static int deliver(void *ctx, const void *p, size_t n, struct bs_err *e)
{
	struct attempt *a = ctx;
	if (!n)
		return 0;
	a->r->body_total += (long long) n;
	if (!a->ok2xx) {
		size_t room = sizeof a->r->err_body - 1 - a->r->err_body_len;
		size_t take = n < room ? n : room;
		memcpy(a->r->err_body + a->r->err_body_len, p, take);
		a->r->err_body_len += take;
		a->r->err_body[a->r->err_body_len] = '\0';
		a->err_drained += n;
		return a->err_drained > ERRBODY_DRAIN_MAX ? 1 : 0;
	}
	a->r->body_bytes += (long long) n;
	if (a->o->max_body && a->r->body_bytes > a->o->max_body)
		return err_setx(e, -E2BIG, BS_EXIT_USAGE, "response body larger than the limit of %lld bytes", a->o->max_body);
	return a->s && a->s->data ? a->s->data(a->s->ctx, p, n, e) : 0;
}

static int build_request(const struct url *u, const struct http_opts *o, bool absolute_form, char *req, size_t cap,
			 size_t *ret_len, struct bs_err *e)
{
	char hp[URL_HOST_MAX + 16], target[URL_HOST_MAX + URL_PATH_MAX + 32], extra[8192];
	const char *method = o->method ? o->method : "GET";
	int n;

	extra[0] = '\0';
	if (url_hostport(u, hp, sizeof hp) < 0)
		return err_set(e, -ENAMETOOLONG, "host too long");
	if (absolute_form) {
		if (url_format(u, target, sizeof target) < 0)
			return err_set(e, -ENAMETOOLONG, "URL too long");
	} else {
		(void) snprintf(target, sizeof target, "%s", u->path);
	}
	if (o->prepare) {
		int k = o->prepare(o->prepare_ctx, u, method, extra, sizeof extra, e);
		if (k < 0)
			return k;
	}
	n = snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ecs-bootstrap/%s\r\nConnection: close\r\n%s%s",
		     method, target, o->unix_path ? "docker" : hp, BS_VERSION, o->headers ? o->headers : "", extra);
	if (n >= 0 && (size_t) n < cap && (o->body || o->body_from_fd || !strcmp(method, "PUT") || !strcmp(method, "POST")))
		n += snprintf(req + n, cap - (size_t) n, "Content-Length: %zu\r\n", o->body_len);
	if (n >= 0 && (size_t) n < cap)
		n += snprintf(req + n, cap - (size_t) n, "\r\n");
	if (n < 0 || (size_t) n >= cap)
		return err_set(e, -E2BIG, "request head larger than %zu bytes", cap);
	*ret_len = (size_t) n;
	return 0;
}

/* Read a response head into head[] (leftover body bytes stay after it).  Skips 1xx. */
static int read_head(struct conn *c, char *head, size_t *ret_head_len, size_t *ret_have, struct http_resp *r,
		     struct bs_err *e)
{
	size_t have = 0, scanned = 0;
	int blanks = 0;
	for (;;) {
		char *end = NULL;
		ssize_t n;
		size_t hl;
		int k;

		for (;;) {
			size_t upto;
			/* Empty lines before a status line are skipped (a few: RFC 9112 2.2 robustness). */
			while (blanks < 8 && have >= 2 && head[0] == '\r' && head[1] == '\n') {
				memmove(head, head + 2, have - 2);
				have -= 2;
				blanks++;
				scanned = 0;
			}
			end = have >= 4 ? memmem(head, have, "\r\n\r\n", 4) : NULL;
			/* A head with bare LF line ends has no CRLF CRLF to wait for: say so at once
			 * (each byte of the head looked at once; body bytes after it are not ours). */
			upto = end ? (size_t) (end - head) + 4 : have;
			for (; scanned < upto; scanned++)
				if (head[scanned] == '\n' && (scanned == 0 || head[scanned - 1] != '\r'))
					return http_proto_err(e, "a line of the response head ends in a bare LF, not CRLF");
			if (end)
				break;
			if (have == HTTP_HEAD_MAX)
				return http_proto_err(e, "response head over %lu KiB", HTTP_HEAD_MAX / 1024);
			n = conn_read(c, head + have, HTTP_HEAD_MAX - have, e);
			if (n < 0)
				return (int) n;
			if (n == 0)
				return err_set(e, -ECONNRESET, have ? "connection closed inside the response head"
								    : "connection closed before any response");
			have += (size_t) n;
		}
		hl = (size_t) (end - head) + 4;
		k = http_parse_head(head, hl, r, e);
		if (k < 0)
			return k;
		if (r->status >= 200 || r->status == 101) {
			*ret_head_len = hl;
			*ret_have = have;
			return 0;
		}
		memmove(head, head + hl, have - hl); /* 100 Continue and friends: the real head follows */
		have -= hl;
		scanned = 0;
	}
}

static int read_body(struct conn *c, struct attempt *a, const char *method, const char *pre, size_t pre_len,
		     struct bs_err *e)
{
	char *buf = a->b->io;
	const size_t cap = sizeof a->b->io;
	struct http_resp *r = a->r;
	struct http_chunked ch;
	long long left = r->content_length;
	int k;

	/* No body: HEAD, 204, 304; and 101, after which the stream is no longer HTTP. */
	if (!strcmp(method, "HEAD") || r->status == 204 || r->status == 304 || r->status == 101)
		return 0;
	if (r->chunked) {
		size_t used;
		http_chunked_init(&ch);
		k = pre_len ? http_chunked_push(&ch, pre, pre_len, &used, deliver, a, e) : 0;
		while (k == 0) {
			ssize_t n = conn_read(c, buf, cap, e);
			if (n < 0)
				return (int) n;
			if (n == 0)
				return err_set(e, -EPROTO, "connection closed inside a chunked body after %lld bytes",
					       r->body_bytes);
			k = http_chunked_push(&ch, buf, (size_t) n, &used, deliver, a, e);
		}
		return k < 0 ? k : 0;
	}
	if (left >= 0 && (long long) pre_len > left)
		pre_len = (size_t) left; /* bytes past the body: ignored, the connection closes anyway */
	if (pre_len) {
		k = deliver(a, pre, pre_len, e);
		if (k < 0)
			return k;
		if (k > 0)
			return 0;
		if (left >= 0)
			left -= (long long) pre_len;
	}
	while (left != 0) {
		size_t want = left > 0 && left < (long long) cap ? (size_t) left : cap;
		ssize_t n = conn_read(c, buf, want, e);
		if (n < 0) {
			if (left > 0)
				err_wrap(e, "body ended after %lld of %lld bytes", a->ok2xx ? r->body_bytes : (long long) a->err_drained,
					 r->content_length);
			return (int) n;
		}
		if (n == 0) {
			if (left < 0)
				return 0; /* no length given: the end of the stream ends the body */
			return err_set(e, -EPROTO, "body ended after %lld of %lld bytes (connection closed early)",
				       a->ok2xx ? r->body_bytes : (long long) a->err_drained, r->content_length);
		}
		k = deliver(a, buf, (size_t) n, e);
		if (k < 0)
			return k;
		if (k > 0)
			return 0;
		if (left > 0)
			left -= n;
	}
	return 0;
}


static int open_conn(struct conn *c, const struct url *u, const struct http_opts *o, bool *ret_absolute,
		     struct bs_err *e)
{
	char *head = o->bufs->head;
	const size_t head_cap = sizeof o->bufs->head;
	const char *proxy = o->no_proxy || o->unix_path ? NULL : proxy_for(u, o->net);
	int cto = o->connect_timeout_ms ? o->connect_timeout_ms : 10000;
	int ito = o->io_timeout_ms ? o->io_timeout_ms : o->net && o->net->io_timeout_ms ? o->net->io_timeout_ms : 30000;
	int k;

	*ret_absolute = false;
	if (o->unix_path)
		return conn_unix(c, o->unix_path, ito, e);
	if (!proxy) {
		k = conn_tcp(c, u->host, u->port, cto, ito, e);
		if (k == 0 && u->scheme == URL_HTTPS)
			k = conn_tls(c, &o->net->tls, u->host, e);
		if (k < 0)
			conn_close(c);
		return k;
	}
	{
		struct url p;
		struct http_resp *pr = &o->bufs->proxy;
		size_t hl = 0, have = 0, n;
		char hp[URL_HOST_MAX + 16];

		k = url_parse(proxy, &p, e);
		if (k < 0 || p.scheme != URL_HTTP)
			return err_setx(e, -EINVAL, BS_EXIT_USAGE, "proxy '%s': only http:// proxies are supported", proxy);
		k = conn_tcp(c, p.host, p.port, cto, ito, e);
		if (k < 0)
			return err_wrap(e, "proxy %s", p.host);
		if (u->scheme == URL_HTTP) {
			*ret_absolute = true; /* plain http: the proxy gets the absolute URL */
			return 0;
		}
		(void) url_hostport(u, hp, sizeof hp);
		if (strchr(hp, ':') == NULL)
			(void) snprintf(hp + strlen(hp), sizeof hp - strlen(hp), ":%u", u->port);
		n = (size_t) snprintf(head, head_cap, "CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ecs-bootstrap/%s\r\n\r\n",
				      hp, hp, BS_VERSION);
		k = conn_write_all(c, head, n, e);
		if (k == 0)
			k = read_head(c, head, &hl, &have, pr, e);
		if (k == 0 && (pr->status < 200 || pr->status > 299))
			k = err_set(e, -ECONNREFUSED, "proxy %s refused CONNECT %s: HTTP %d", p.host, hp, pr->status);
		if (k == 0 && have != hl)
			k = http_proto_err(e, "proxy %s sent data after its CONNECT answer", p.host);
		if (k == 0)
			k = conn_tls(c, &o->net->tls, u->host, e);
		if (k < 0)
			conn_close(c);
		return k;
	}
}

static int read_response(struct conn *c, struct attempt *a, const char *method, struct bs_err *e);

/* Stream body_len bytes of body_fd, from its start (so a retry sends the same bytes). */
static int send_fd_body(struct conn *c, const struct http_opts *o, struct bs_err *e)
{
	char *buf = o->bufs->send;
	const size_t cap = sizeof o->bufs->send;
	long long off = 0, len = (long long) o->body_len;
	bool copy = false; /* sendfile (no copy through here) unless the connection cannot */
	while (off < len) {
		size_t want = len - off < (long long) cap ? (size_t) (len - off) : cap;
		ssize_t n;
		int k = 0;
		if (BS_FAULT_INJECTION && off == 0 && len > 1 && want == (size_t) len)
			want = (size_t) len / 2; /* test builds: a "mid-upload" point even for small bodies */
		n = copy ? -ENOTSUP : conn_send_file(c, o->body_fd, off, want, e);
		if (n == -ENOTSUP) {
			copy = true;
			n = pread(o->body_fd, buf, want, off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return err_set(e, -errno, "read the request body: %s", strerror(errno));
			if (n > 0)
				k = conn_write_all(c, buf, (size_t) n, e);
		}
		if (n < 0)
			return (int) n;
		if (k < 0)
			return k;
		if (n == 0)
			return err_setx(e, -EIO, BS_EXIT_INTERNAL, "request body file shorter than %lld bytes", len);
		off += n;
		if (off < len)
			FAULT_POINT("http-upload-mid"); /* e.g. half an image sent to Docker's load */
	}
	return 0;
}

static int one_attempt(const struct url *u, struct attempt *a, struct bs_err *e)
{
	char *req = a->b->req;
	const struct http_opts *o = a->o;
	const char *method = o->method ? o->method : "GET";
	struct conn c = { .fd = -1 };
	size_t rl = 0;
	bool absolute;
	int k;

	a->r->err_body_len = 0;
	a->r->err_body[0] = '\0';
	a->r->body_bytes = 0;
	a->r->body_total = 0;
	a->err_drained = 0;
	k = open_conn(&c, u, o, &absolute, e);
	if (k < 0)
		return k;
	k = build_request(u, o, absolute, req, sizeof a->b->req, &rl, e);
	if (k == 0)
		k = conn_write_all(&c, req, rl, e);
	if (k == 0 && o->body && o->body_len)
		k = conn_write_all(&c, o->body, o->body_len, e);
	if (k == 0 && o->body_from_fd)
		k = send_fd_body(&c, o, e);
	if (k == 0)
		k = read_response(&c, a, method, e);
	conn_close(&c);
	return k;
}

/* Whether the extra request header lines ask for a Range. */
static bool asked_range(const char *h)
{
	while (h && *h) {
		if (!strncasecmp(h, "Range:", 6))
			return true;
		h = strchr(h, '\n');
		if (h)
			h++;
	}
	return false;
}

static int read_response(struct conn *c, struct attempt *a, const char *method, struct bs_err *e)
{
	char *head = a->b->head;
	size_t hl = 0, have = 0;
	int k = read_head(c, head, &hl, &have, a->r, e);

	if (k < 0)
		return k;
	a->ok2xx = a->r->status >= 200 && a->r->status <= 299;
	/* 206 answers a Range request.  We sent none: the body is a piece, never the object. */
	if (a->r->status == 206 && !asked_range(a->o->headers))
		return http_proto_err(e, "HTTP 206 Partial Content to a request without Range: the body is not the whole object");
	/* An announced length over the limit is refused before a byte of it is read. */
	if (a->ok2xx && a->o->max_body && a->r->content_length > a->o->max_body)
		return err_setx(e, -E2BIG, BS_EXIT_USAGE, "response body of %lld bytes is larger than the limit of %lld bytes",
				a->r->content_length, a->o->max_body);
	if (a->ok2xx && a->s && a->s->begin) {
		k = a->s->begin(a->s->ctx, a->r, e);
		if (k < 0)
			return k;
	}
	return read_body(c, a, method, head + hl, have - hl, e);
}

int http_read_response(struct conn *c, const char *method, const struct http_sink *s, struct http_resp *r,
		       struct http_bufs *b, struct bs_err *e)
{
	static const struct http_opts none;
	struct attempt a = { .o = &none, .b = b, .s = s, .r = r };
	memset(r, 0, sizeof *r);
	return read_response(c, &a, method, e);
}

/* ------------------------------------------------------------------ retries */

static void sleep_ms(long long ms)
{
	struct timespec ts = { .tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

long long http_backoff_ms(int attempt, bool throttled, unsigned int rnd)
{
	unsigned long long cap = throttled ? 20000 : 8000, base = throttled ? 1000 : 250;
	unsigned long long top = base << (attempt < 1 ? 0 : attempt < 10 ? attempt : 10);
	if (top > cap)
		top = cap;
	return (long long) (rnd % (top + 1));
}

static unsigned int rnd32(void)
{
	unsigned int rnd = 0;
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t) sizeof rnd)
		rnd = (unsigned int) clock_ms();
	return rnd;
}

static bool throttled_status(int st)
{
	return st == 503 || st == 429;
}

static bool retryable_error(const struct bs_err *e)
{
	int cls = err_exit_code(e);
	return cls == BS_EXIT_TEMP || e->code == -EHOSTUNREACH;
}

static bool retryable_status(int st)
{
	return st == 429 || (st >= 500 && st <= 599 && st != 501);
}

/* The trust anchors of the request's network context, loaded (https needs one). */
static int trust(const struct http_opts *o, struct bs_err *e)
{
	if (!o->net)
		return err_setx(e, -EINVAL, BS_EXIT_INTERNAL, "https without a network context");
	return tls_trust_load(&o->net->tls, AT_FDCWD, o->net->ssl_cert_file, o->net->ssl_cert_var, e);
}

int http_request(const char *url_s, const struct http_opts *o, const struct http_sink *s, struct http_resp *r,
		 struct bs_err *e)
{
	struct url u, next;
	struct attempt a = { .o = o, .b = o->bufs, .s = s, .r = r };
	int max_attempts = o->max_attempts ? o->max_attempts : 5;
	int max_throttled = o->max_attempts ? o->max_attempts : HTTP_THROTTLE_ATTEMPTS;
	int max_total = o->max_total_ms ? o->max_total_ms : 120000;
	int redirects_left = o->max_redirects < 0 ? 0 : o->max_redirects ? o->max_redirects : 5;
	long long t0 = clock_ms();
	int k;

	memset(r, 0, sizeof *r);
	if (!o->bufs)
		return err_setx(e, -EINVAL, BS_EXIT_INTERNAL, "http_request without its buffers");
	k = url_parse(url_s, &u, e);
	if (k < 0)
		return err_class(e, BS_EXIT_USAGE);
	if (u.scheme == URL_S3)
		return err_setx(e, -EINVAL, BS_EXIT_USAGE, "s3:// URLs go through the S3 client");
	if (u.scheme == URL_HTTPS && !o->unix_path) {
		k = trust(o, e);
		if (k < 0)
			return k;
	}
	for (int attempt = 1;; ) {
		long long wait;
		bool throttled;
		r->attempts = attempt;
		(void) url_format(&u, r->final_url, sizeof r->final_url);
		err_clear(e);
		k = one_attempt(&u, &a, e);
		if (k == 0 && r->status >= 300 && r->status <= 399 && r->status != 304 && r->location[0] &&
		    redirects_left >= 0) {
			if (redirects_left-- == 0)
				return err_setx(e, -ELOOP, BS_EXIT_TEMP, "more than %d redirects (last to '%s')",
						o->max_redirects ? o->max_redirects : 5, r->location);
			k = url_resolve(&u, r->location, &next, e);
			if (k < 0)
				return err_class(e, BS_EXIT_USAGE), err_wrap(e, "redirect to a bad URL");
			if (u.scheme == URL_HTTPS && next.scheme != URL_HTTPS)
				return err_setx(e, -EPERM, BS_EXIT_INTEGRITY, "refusing a redirect from https to '%s'", r->location);
			if (next.scheme == URL_HTTPS && !o->unix_path && (k = trust(o, e)) < 0)
				return k;
			u = next;
			continue; /* a redirect is not a failed attempt */
		}
		/* Over a unix socket (Docker) a 5xx is the daemon's answer, with its reason in the
		 * body: the caller reports it; asking again rarely changes it. */
		if (k == 0 && (!retryable_status(r->status) || o->unix_path))
			return 0;
		if (k < 0 && !retryable_error(e))
			return k;
		throttled = k == 0 && throttled_status(r->status);
		if (attempt >= (throttled ? max_throttled : max_attempts) || clock_ms() - t0 >= max_total) {
			if (k == 0)
				return err_setx(e, -EAGAIN, BS_EXIT_TEMP, "HTTP %d from %s after %d attempts", r->status,
						r->final_url, attempt);
			err_class(e, BS_EXIT_TEMP);
			return err_suffix(e, "(gave up after %d attempts)", attempt);
		}
		/* The server's Retry-After (seconds), spread by up to 1 s; else full jitter */
		if (k == 0 && r->retry_after_s >= 0)
			wait = r->retry_after_s * 1000 + rnd32() % 1001;
		else
			wait = http_backoff_ms(attempt, throttled, rnd32());
		if (clock_ms() - t0 + wait > max_total)
			wait = max_total - (clock_ms() - t0);
		if (wait > 0)
			sleep_ms(wait);
		attempt++;
	}
}

static int mem_begin(void *ctx, const struct http_resp *r, struct bs_err *e)
{
	struct http_mem *m = ctx;
	(void) r;
	(void) e;
	m->len = 0; /* a retry starts over */
	m->p[0] = '\0';
	return 0;
}

static int mem_data(void *ctx, const void *p, size_t n, struct bs_err *e)
{
	struct http_mem *m = ctx;
	if (n > m->cap - 1 - m->len)
		return err_setx(e, -E2BIG, BS_EXIT_USAGE, "answer larger than the limit of %zu bytes", m->cap - 1);
	memcpy(m->p + m->len, p, n);
	m->len += n;
	m->p[m->len] = '\0';
	return 0;
}

void http_mem_sink(struct http_sink *s, struct http_mem *m, char *buf, size_t cap)
{
	m->p = buf;
	m->len = 0;
	m->cap = cap;
	buf[0] = '\0';
	s->begin = mem_begin;
	s->data = mem_data;
	s->ctx = m;
}
