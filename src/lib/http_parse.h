/* http_parse.h: the HTTP/1.1 response parser, pure (bytes in, a parsed head or body pieces
 * out; no I/O, no allocation), fuzzed (src/fuzz/fuzz_http.c) and used by the client (http.h).
 *
 * Strict: a response that breaks HTTP/1.1 or our limits on it (a malformed status or header
 * line, bare LF line ends, a head over 64 KiB or over 100 header lines, a duplicate
 * Content-Length, Transfer-Encoding together with Content-Length, a Transfer-Encoding other
 * than "chunked", bad chunk syntax) is a protocol error: -EPROTO, exit class 102, never
 * retried (the same bytes would come again).  Obsolete line folding is unfolded (each fold
 * replaced by one SP, as RFC 9112 5.2 allows a user agent).
 */
#ifndef BS_HTTP_PARSE_H
#define BS_HTTP_PARSE_H

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

/* Parse a response head (status line and header lines, through the empty line) in
 * buf[0..len).  0 or -EPROTO (exit class 102). */
int http_parse_head(const char *buf, size_t len, struct http_resp *r, struct bs_err *e);

/* Chunked transfer decoding as a push parser. */
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

/* A protocol error (above): -EPROTO, exit class 102, the message saying so.  For the client's
 * own findings too (a head over the limit, a 206 to a request without Range). */
int http_proto_err(struct bs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Extract <Code>...</Code> from an S3 XML error body into buf ("" if none). */
void http_s3_error_code(const char *body, char *buf, size_t cap);

#endif
