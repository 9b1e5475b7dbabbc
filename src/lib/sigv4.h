/* sigv4.h: AWS Signature Version 4 for requests without a signed body (S3 GET/HEAD).
 *
 * S3 rules: the canonical URI is the request path percent-decoded then encoded once
 * (unreserved bytes and '/' kept), never normalised ("." and ".." segments and "//"
 * stay as they are), never double-encoded.  The canonical query sorts the
 * decoded-then-encoded parameters by name, then value.  Header names are lowercased,
 * values trimmed with inner runs of white space collapsed to one space, repeated
 * headers joined with ','.  The signing key is derived with HMAC-SHA256 (BearSSL).
 */
#ifndef BS_SIGV4_H
#define BS_SIGV4_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"

#define SIGV4_MAX_HEADERS 32

struct sigv4_header {
	const char *name;
	const char *value;
};

struct sigv4_req {
	const char *method;
	const char *path;            /* as on the wire, without the query */
	const char *query;           /* raw query without '?', or "" */
	const struct sigv4_header *headers; /* must include Host and X-Amz-Date */
	size_t n_headers;
	const char *payload_hash;    /* "UNSIGNED-PAYLOAD" or lowercase hex SHA-256 */
	const char *region;
	const char *service;
	const char *amz_date;        /* YYYYMMDDTHHMMSSZ */
	const char *access_key;
	const char *secret_key;
	const char *session_token;   /* NULL, or signed as x-amz-security-token */
};

struct sigv4_out {
	char creq[8192];             /* canonical request */
	char sts[512];               /* string to sign */
	char signed_headers[1024];
	char signature[65];
	char authorization[1536];    /* the Authorization header's value */
};

/* 0, or -E2BIG / -EINVAL with e set.  Secrets never appear in e. */
int sigv4_sign(const struct sigv4_req *q, struct sigv4_out *out, struct bs_err *e);

/* Percent-encode s[0..n) per SigV4 (unreserved A-Z a-z 0-9 - _ . ~ kept, '/' kept when
 * keep_slash).  0 or -E2BIG. */
int sigv4_uri_encode(const char *s, size_t n, bool keep_slash, char *buf, size_t cap, size_t *ret_len);

/* "YYYYMMDDTHHMMSSZ" for t (UTC). */
void sigv4_amz_date(long long t, char buf[17]);

#endif
