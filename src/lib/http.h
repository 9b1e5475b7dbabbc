/* http.h: a strict HTTP/1.1 client over TCP, TLS or a unix socket (what it reads is parsed by
 * http_parse.h).
 *
 * One request per connection (Connection: close).  Responses are framed by
 * Content-Length or chunked encoding, or end at EOF when neither is given.  Strict:
 * a response that breaks HTTP/1.1 or our limits on it (a malformed status or header
 * line, bare LF line ends, a head over 64 KiB or over 100 header lines, a duplicate
 * Content-Length, Transfer-Encoding together with Content-Length, a Transfer-Encoding
 * other than "chunked", bad chunk syntax, a 206 to a request without Range) is a
 * protocol error: -EPROTO, exit class 102, never retried (the same bytes would come
 * again).  Obsolete line folding is unfolded (each fold replaced by one SP, as RFC 9112
 * 5.2 allows a user agent).  A body shorter than announced (the connection closed
 * early) is never a success either, but temporary: retried, exit class 111.
 *
 * Bodies stream to a sink in pieces of at most 64 KiB; nothing holds a whole body.
 * Redirects (301/302/303/307/308) are followed up to max_redirects; https -> http is
 * refused.  Proxies: the context's https_proxy / http_proxy (http:// proxy URLs; CONNECT
 * for https), no_proxy (net.h).  Retries: connect errors, timeouts, truncated heads and bodies, 5xx and 429, with
 * full-jitter exponential backoff (http_backoff_ms), or the server's Retry-After spread by up
 * to 1 s, bounded by max_attempts and max_total_ms.  Throttling (503, S3's SlowDown, and 429) backs off from 1 s
 * up to 20 s and, with the default max_attempts, is bounded by max_total_ms alone (at most
 * HTTP_THROTTLE_ATTEMPTS): when a fleet boots at once, S3 may answer SlowDown for longer than
 * five quick attempts span.  Library code: never logs, never exits.
 */
#ifndef BS_HTTP_H
#define BS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"
#include "http_parse.h"
#include "net.h"
#include "url.h"

#define HTTP_THROTTLE_ATTEMPTS 30
/* Full jitter: uniform in [0, min(cap, base * 2^ATTEMPT)] from RND; base 250 ms and cap 8 s,
 * or 1 s and 20 s when THROTTLED (the answer was 503 or 429). */
long long http_backoff_ms(int attempt, bool throttled, unsigned int rnd);



struct http_sink {
	/* A 2xx response's head is in; called again on each retry: drop partial work here. */
	int (*begin)(void *ctx, const struct http_resp *resp, struct bs_err *e);
	int (*data)(void *ctx, const void *p, size_t n, struct bs_err *e);
	void *ctx;
};

struct http_opts {
	const char *method;            /* "GET" when NULL */
	const char *headers;           /* extra "Name: value\r\n" lines, or NULL */
	/* Per attempt (after redirects too): append header lines for u into buf (signing). */
	int (*prepare)(void *ctx, const struct url *u, const char *method, char *buf, size_t cap, struct bs_err *e);
	void *prepare_ctx;
	const void *body;              /* request body (small: PUT of an IMDS token), or NULL */
	size_t body_len;               /* its length; with body_from_fd, the bytes to send from body_fd */
	bool body_from_fd;             /* stream the body from body_fd (read with pread from offset 0) */
	int body_fd;
	int connect_timeout_ms;        /* 0: 10 s */
	int io_timeout_ms;             /* 0: net->io_timeout_ms, else 30 s */
	int max_attempts;              /* 0: 5 (throttling: HTTP_THROTTLE_ATTEMPTS) */
	int max_total_ms;              /* 0: 120 s */
	int max_redirects;             /* 0: 5; -1: none */
	struct net *net;               /* proxies, default timeout, CA bundle, the TLS context; NULL:
	                                  none of them (no https then) */
	struct http_bufs *bufs;        /* what the request works in (net.h): required */
	bool no_proxy;                 /* never use a proxy (IMDS, unix sockets) */
	const char *unix_path;         /* connect here instead of host:port */
	long long max_body;            /* 0: unlimited; more is -E2BIG */
};

/* Perform the request.  0 when a final response arrived (any status: look at
 * ret->status; non-2xx bodies are in ret->err_body), < 0 on failure with e set
 * (exit class 111 when retries were exhausted, 102 for TLS verification and protocol
 * errors, 100 for bad URLs or refused redirects). */
int http_request(const char *url, const struct http_opts *o, const struct http_sink *s, struct http_resp *ret,
		 struct bs_err *e);

/* Read one response from an open connection (the request already sent): the head, then
 * the body into s (2xx) or err_body.  What http_request does after writing; exposed for
 * tests, which feed recorded responses through a socketpair. */
struct conn;
int http_read_response(struct conn *c, const char *method, const struct http_sink *s, struct http_resp *r,
		       struct http_bufs *b, struct bs_err *e);



/* A sink that collects a small body in memory, NUL-terminated: at most cap-1 bytes,
 * more is -E2BIG (exit class 100).  Fill m and s with http_mem_sink(). */
struct http_mem {
	char *p;
	size_t len, cap;
};
void http_mem_sink(struct http_sink *s, struct http_mem *m, char *buf, size_t cap);

/* Whether list (NO_PROXY's syntax: "*", or names and ".suffixes" separated by commas or
 * blanks; NULL: none) exempts host from the proxy. */
bool http_no_proxy(const char *list, const char *host);


#endif
