/* url.c: see url.h. */
#include "url.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool url_char_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static int parse_authority(const char *a, size_t n, struct url *u, struct bs_err *e)
{
	const char *port = NULL;
	size_t hn;

	if (memchr(a, '@', n))
		return err_set(e, -EINVAL, "URL with user info is not supported");
	if (n && a[0] == '[') {
		const char *rb = memchr(a, ']', n);
		if (!rb)
			return err_set(e, -EINVAL, "URL: unterminated '[' in host");
		hn = (size_t) (rb - a - 1);
		if (hn == 0 || hn >= sizeof u->host || strspn(a + 1, "0123456789abcdefABCDEF:.") < hn)
			return err_set(e, -EINVAL, "URL: bad IPv6 address");
		memcpy(u->host, a + 1, hn);
		u->host[hn] = '\0';
		u->host_is_v6 = true;
		if ((size_t) (rb - a + 1) < n) {
			if (rb[1] != ':')
				return err_set(e, -EINVAL, "URL: junk after ']'");
			port = rb + 2;
		}
	} else {
		const char *colon = memchr(a, ':', n);
		hn = colon ? (size_t) (colon - a) : n;
		if (hn == 0)
			return err_set(e, -EINVAL, "URL: empty host");
		if (hn >= sizeof u->host)
			return err_set(e, -ENAMETOOLONG, "URL: host longer than %d bytes", URL_HOST_MAX - 1);
		for (size_t i = 0; i < hn; i++) {
			char c = a[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
			      c == '.' || c == '_'))
				return err_set(e, -EINVAL, "URL: bad character '%c' in host", c);
		}
		memcpy(u->host, a, hn);
		u->host[hn] = '\0';
		if (colon)
			port = colon + 1;
	}
	if (port) {
		size_t pn = (size_t) (a + n - port);
		unsigned v = 0;
		if (pn == 0 || pn > 5)
			return err_set(e, -EINVAL, "URL: bad port");
		for (size_t i = 0; i < pn; i++) {
			if (port[i] < '0' || port[i] > '9')
				return err_set(e, -EINVAL, "URL: bad port");
			v = v * 10 + (unsigned) (port[i] - '0');
		}
		if (v == 0 || v > 65535)
			return err_set(e, -EINVAL, "URL: port %u out of range", v);
		u->port = v;
		u->port_explicit = true;
	}
	return 0;
}

/* s3://BUCKET/KEY after the scheme: the bucket is a host name; the key is every byte after
 * the first '/', taken as written (the AWS CLI's reading: '#', '?', '%', spaces and UTF-8
 * are part of the key; SigV4 percent-encodes it on the wire).  Control bytes are refused:
 * no key we mean to fetch has one, and they would reach logs and file names. */
static int parse_s3(const char *p, struct url *u, struct bs_err *e)
{
	size_t an = strcspn(p, "/"), kn;
	const char *key;
	int k;

	for (size_t i = 0; i < an; i++)
		if (!url_char_ok((unsigned char) p[i]))
			return err_set(e, -EINVAL, "s3:// URL: a space or a non-printable byte in the bucket name");
	k = parse_authority(p, an, u, e);
	if (k < 0)
		return k;
	if (u->port_explicit || u->host_is_v6)
		return err_set(e, -EINVAL, "s3:// URL: the bucket is not a host");
	if (p[an] != '/' || p[an + 1] == '\0')
		return err_set(e, -EINVAL, "s3:// URL needs a key: s3://BUCKET/KEY");
	key = p + an + 1;
	kn = strlen(key);
	if (kn > URL_S3_KEY_MAX)
		return err_set(e, -ENAMETOOLONG, "s3:// key longer than %d bytes (S3's limit)", URL_S3_KEY_MAX);
	for (size_t i = 0; i < kn; i++) {
		unsigned char c = (unsigned char) key[i];
		if (c < 0x20 || c == 0x7f)
			return err_set(e, -EINVAL, "s3:// key has a control byte 0x%02x at offset %zu", c, i);
	}
	memcpy(u->path, key, kn + 1);
	return 0;
}

int url_parse(const char *s, struct url *u, struct bs_err *e)
{
	const char *p, *auth, *slash;
	size_t n = strlen(s), an, pn;
	int k;

	memset(u, 0, sizeof u[0]);
	if (!strncasecmp(s, "s3://", 5)) {
		u->scheme = URL_S3;
		return parse_s3(s + 5, u, e);
	}
	for (size_t i = 0; i < n; i++)
		if (!url_char_ok((unsigned char) s[i]))
			return err_set(e, -EINVAL, "URL has a space or a non-printable byte at offset %zu", i);
	if (!strncasecmp(s, "https://", 8))
		u->scheme = URL_HTTPS, u->port = 443, p = s + 8;
	else if (!strncasecmp(s, "http://", 7))
		u->scheme = URL_HTTP, u->port = 80, p = s + 7;
	else
		return err_set(e, -EINVAL, "URL '%.64s': scheme must be https://, http:// or s3://", s);
	auth = p;
	slash = p + strcspn(p, "/?#");
	an = (size_t) (slash - auth);
	k = parse_authority(auth, an, u, e);
	if (k < 0)
		return k;
	pn = strcspn(slash, "#");
	if (pn + 2 > sizeof u->path)
		return err_set(e, -ENAMETOOLONG, "URL path longer than %d bytes", URL_PATH_MAX - 2);
	if (*slash != '/') {
		u->path[0] = '/'; /* "http://h" and "http://h?q" mean "/" and "/?q" */
		memcpy(u->path + 1, slash, pn);
		u->path[pn + 1] = '\0';
	} else {
		memcpy(u->path, slash, pn);
		u->path[pn] = '\0';
	}
	return 0;
}

int url_resolve(const struct url *base, const char *loc, struct url *ret, struct bs_err *e)
{
	char buf[URL_HOST_MAX + URL_PATH_MAX + 64];
	int n;

	if (strstr(loc, "://"))
		return url_parse(loc, ret, e);
	if (loc[0] == '/' && loc[1] == '/') {
		n = snprintf(buf, sizeof buf, "%s:%s", base->scheme == URL_HTTPS ? "https" : "http", loc);
	} else if (loc[0] == '/') {
		char hp[URL_HOST_MAX + 16];
		if (url_hostport(base, hp, sizeof hp) < 0)
			return err_set(e, -ENAMETOOLONG, "redirect: host too long");
		n = snprintf(buf, sizeof buf, "%s://%s%s", base->scheme == URL_HTTPS ? "https" : "http", hp, loc);
	} else {
		char hp[URL_HOST_MAX + 16];
		const char *q = strchr(base->path, '?'), *ls;
		size_t dir;
		if (url_hostport(base, hp, sizeof hp) < 0)
			return err_set(e, -ENAMETOOLONG, "redirect: host too long");
		/* the directory of the base path (before any query) */
		for (ls = q ? q : base->path + strlen(base->path); ls > base->path && ls[-1] != '/'; ls--)
			;
		dir = (size_t) (ls - base->path);
		n = snprintf(buf, sizeof buf, "%s://%s%.*s%s", base->scheme == URL_HTTPS ? "https" : "http", hp,
			     (int) dir, base->path, loc);
	}
	if (n < 0 || (size_t) n >= sizeof buf)
		return err_set(e, -ENAMETOOLONG, "redirect target too long");
	return url_parse(buf, ret, e);
}

int url_hostport(const struct url *u, char *buf, size_t cap)
{
	int n;
	bool dflt = (u->scheme == URL_HTTPS && u->port == 443) || (u->scheme == URL_HTTP && u->port == 80);
	if (u->host_is_v6)
		n = dflt ? snprintf(buf, cap, "[%s]", u->host) : snprintf(buf, cap, "[%s]:%u", u->host, u->port);
	else
		n = dflt ? snprintf(buf, cap, "%s", u->host) : snprintf(buf, cap, "%s:%u", u->host, u->port);
	return n < 0 || (size_t) n >= cap ? -ENAMETOOLONG : 0;
}

int url_format(const struct url *u, char *buf, size_t cap)
{
	char hp[URL_HOST_MAX + 16];
	int n;
	if (u->scheme == URL_S3)
		n = snprintf(buf, cap, "s3://%s/%s", u->host, u->path);
	else if (url_hostport(u, hp, sizeof hp) < 0)
		return -ENAMETOOLONG;
	else
		n = snprintf(buf, cap, "%s://%s%s", u->scheme == URL_HTTPS ? "https" : "http", hp, u->path);
	return n < 0 || (size_t) n >= cap ? -ENAMETOOLONG : 0;
}
