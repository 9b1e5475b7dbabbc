/* url.h: parse http://, https:// and s3:// URLs into a fixed-size struct.
 *
 * Accepted: scheme "http" | "https" | "s3" (lowercase or not), no userinfo, a host
 * (DNS name, IPv4, or [IPv6]), an optional port 1..65535, and a path with optional
 * query; the fragment is dropped.  In http(s) URLs, bytes outside printable ASCII and
 * spaces are refused: they reach us from the command line and from Location headers,
 * and an unexpected byte is more likely an attack or a typo than a need.
 *
 * s3://BUCKET/KEY keeps the bucket (a host name, as above) in host and the key in path:
 * every byte after the first '/', as written, the way the AWS CLI reads it ('#', '?',
 * '%', spaces and UTF-8 are part of the key; nothing is decoded; the S3 client
 * percent-encodes it for the request).  Control bytes (< 0x20, 0x7f) and keys over S3's
 * 1024 bytes are refused.
 */
#ifndef BS_URL_H
#define BS_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"

#define URL_HOST_MAX 256
#define URL_PATH_MAX 4096 /* room for a 1024-byte S3 key percent-encoded (3 bytes each) */
#define URL_S3_KEY_MAX 1024

enum url_scheme { URL_HTTP, URL_HTTPS, URL_S3 };

struct url {
	enum url_scheme scheme;
	char host[URL_HOST_MAX];  /* without brackets for IPv6 */
	bool host_is_v6;
	unsigned port;            /* explicit or the scheme's default (80, 443; 0 for s3) */
	bool port_explicit;
	char path[URL_PATH_MAX];  /* "/..." with query (http/https); the key (s3) */
};

/* 0, or -EINVAL / -ENAMETOOLONG with e naming what is wrong. */
int url_parse(const char *s, struct url *ret, struct bs_err *e);

/* Resolve a Location header against base (absolute URL, "//host/..." or "/path" or
 * "relative").  0 or < 0. */
int url_resolve(const struct url *base, const char *loc, struct url *ret, struct bs_err *e);

/* "https://host[:port]/path" into buf.  0 or -ENAMETOOLONG. */
int url_format(const struct url *u, char *buf, size_t cap);

/* "host" or "host:port" (brackets for v6) as the Host header wants it.  0 or -ENAMETOOLONG. */
int url_hostport(const struct url *u, char *buf, size_t cap);

#endif
