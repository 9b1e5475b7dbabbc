/* http.h: a strict HTTP/1.1 client over TCP, TLS or a unix socket.
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
 * refused.  Proxies: HTTPS_PROXY / HTTP_PROXY (http:// proxy URLs; CONNECT for https),
 * NO_PROXY.  Retries: connect errors, timeouts, truncated heads and bodies, 5xx and 429, with
 * full-jitter exponential backoff, honouring Retry-After, bounded by max_attempts and
 * max_total_ms.  Library code: never logs, never exits.
 */
#ifndef BS_HTTP_H
#define BS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"
#include "url.h"

#define HTTP_HEAD_MAX (64UL * 1024)
#define HTTP_HEADERS_MAX 100
#define HTTP_ERRBODY_MAX 4096

struct http_resp {
	int status;
	int minor;                     /* HTTP/1.x */
	long long content_length;      /* -1 when absent */
	bool chunked;
	long long retry_after_s;       /* -1 when absent */
	char location[URL_HOST_MAX + URL_PATH_MAX];
	char content_type[128];
	char api_version[32];          /* Api-Version (Docker) */
	char err_body[HTTP_ERRBODY_MAX]; /* the start of a non-2xx body, NUL-terminated */
	size_t err_body_len;
	long long body_bytes;          /* bytes given to the sink in the last attempt */
	long long body_total;          /* body bytes read in the last attempt, any status */
	int attempts;                  /* attempts made */
	char final_url[URL_HOST_MAX + URL_PATH_MAX + 16];
};

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
	int io_timeout_ms;             /* 0: $ECS_BOOTSTRAP_HTTP_TIMEOUT seconds, else 30 s */
	int max_attempts;              /* 0: 5 */
	int max_total_ms;              /* 0: 120 s */
	int max_redirects;             /* 0: 5; -1: none */
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
		       struct bs_err *e);

/* Parse a response head (status line and header lines, through the empty line) in
 * buf[0..len).  Exposed for tests and the fuzzer.  0 or -EPROTO (exit class 102). */
int http_parse_head(const char *buf, size_t len, struct http_resp *r, struct bs_err *e);

/* Chunked transfer decoding as a push parser (exposed for tests and the fuzzer). */
struct http_chunked {
	int state;
	unsigned long long left;       /* bytes left in the current chunk */
	unsigned digits;               /* hex digits of the size seen */
	unsigned ext_len;              /* bytes of chunk extension seen */
	unsigned trailer_len;          /* bytes of the current trailer line */
	unsigned trailers;
};
typedef int http_emit(void *ctx, const void *p, size_t n, struct bs_err *e);
void http_chunked_init(struct http_chunked *c);
/* Feed in[0..n).  Returns 1 when the last chunk and trailers are complete (*used tells
 * how much of in was consumed), 0 when more input is needed, -EPROTO (exit class 102)
 * on bad framing, or what emit returned. */
int http_chunked_push(struct http_chunked *c, const char *in, size_t n, size_t *used, http_emit *emit, void *ctx,
		      struct bs_err *e);

/* A sink that collects a small body in memory, NUL-terminated: at most cap-1 bytes,
 * more is -E2BIG (exit class 100).  Fill m and s with http_mem_sink(). */
struct http_mem {
	char *p;
	size_t len, cap;
};
void http_mem_sink(struct http_sink *s, struct http_mem *m, char *buf, size_t cap);

/* Whether NO_PROXY (or no_proxy) exempts host. */
bool http_no_proxy(const char *host);

/* Extract <Code>...</Code> from an S3 XML error body into buf ("" if none). */
void http_s3_error_code(const char *body, char *buf, size_t cap);

#endif
