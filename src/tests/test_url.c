/* test_url.c: URL parsing.  http(s):// URLs are strict (printable ASCII, no spaces: they
 * come from the command line and from Location headers); an s3:// key is raw, as the AWS
 * CLI takes it: '#', '?', spaces and UTF-8 are part of the key (SigV4 encodes them), only
 * control bytes are refused. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/url.h"
#include "tap.h"

static void s3_keys(void)
{
	static const struct {
		const char *url, *bucket, *key;
	} ok[] = {
		{ "s3://bucket/dir/key.tar", "bucket", "dir/key.tar" },
		{ "s3://bucket/key#x", "bucket", "key#x" },
		{ "s3://bucket/#", "bucket", "#" },
		{ "s3://bucket/a?b=c&d", "bucket", "a?b=c&d" },
		{ "s3://bucket/with space.txt", "bucket", "with space.txt" },
		{ "s3://bucket/unicod\xc3\xa9.txt", "bucket", "unicod\xc3\xa9.txt" },
		{ "s3://bucket/%41+b", "bucket", "%41+b" }, /* raw: no percent-decoding of the key */
		{ "s3://bucket//lead", "bucket", "/lead" },
		{ "S3://my.bucket/x", "my.bucket", "x" },
	};
	static const char *const bad[] = {
		"s3://bucket",           /* no key */
		"s3://bucket/",          /* empty key */
		"s3://bucket/a\tb",      /* control bytes: never in a key we take */
		"s3://bucket/a\nb",
		"s3://bucket/a\rb",
		"s3://bucket/a\x7f",
		"s3://bucket/a\x01",
		"s3://buc ket/x",        /* the bucket is still a host name */
		"s3://bucket#x/y",
		"s3://bucket?x/y",
		"s3://b\xc3\xa9/y",
		"s3://bucket:443/y",
	};
	static char longkey[1100];
	struct bs_err e;
	struct url u;
	char f[URL_HOST_MAX + URL_PATH_MAX + 16];
	int k;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		err_clear(&e);
		k = url_parse(ok[i].url, &u, &e);
		OK(k == 0 && u.scheme == URL_S3 && !strcmp(u.host, ok[i].bucket) && !strcmp(u.path, ok[i].key),
		   "s3: '%s' is bucket '%s', key '%s' (%s: '%s' '%s')", ok[i].url, ok[i].bucket, ok[i].key,
		   k ? e.msg : "ok", u.host, u.path);
		OK(k == 0 && url_format(&u, f, sizeof f) == 0 && !strcmp(f + 5, strstr(ok[i].url, "://") + 3),
		   "s3: '%s' formats back ('%s')", ok[i].url, f);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&e);
		k = url_parse(bad[i], &u, &e);
		OK(k < 0 && err_exit_code(&e) == 100, "s3: refused, exit 100: '%s' (%s)", bad[i], k ? e.msg : "accepted");
	}
	/* S3's own limit: a key is at most 1024 bytes. */
	memcpy(longkey, "s3://b/", 7);
	memset(longkey + 7, 'k', 1024);
	longkey[7 + 1024] = '\0';
	OK(url_parse(longkey, &u, &e) == 0 && strlen(u.path) == 1024, "s3: a key of 1024 bytes");
	longkey[7 + 1024] = 'k';
	longkey[7 + 1025] = '\0';
	err_clear(&e);
	OK(url_parse(longkey, &u, &e) < 0 && strstr(e.msg, "1024"), "s3: a key of 1025 bytes refused (%s)", e.msg);
}

static void http_urls(void)
{
	static const char *const bad[] = {
		"https://ho st/", "https://h/a b", "https://h/\xc3\xa9", "https://h/a\tb", "ftp://host/",
		"https://user:pw@host/", "https://host:99999/", "https://h:0/", "https:///x",
	};
	struct bs_err e;
	struct url u;

	OK(url_parse("https://example.com", &u, &e) == 0 && !strcmp(u.path, "/") && u.port == 443, "https: default path and port");
	OK(url_parse("http://[::1]:8080/x?y=1#frag", &u, &e) == 0 && u.host_is_v6 && u.port == 8080 && !strcmp(u.path, "/x?y=1"),
	   "http: IPv6, port, query kept, fragment dropped");
	OK(url_parse("https://h/p#a b", &u, &e) < 0, "https: a space in the fragment is still refused");
	OK(url_parse("https://h?q#f", &u, &e) == 0 && !strcmp(u.path, "/?q"), "https: query without a path");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&e);
		OK(url_parse(bad[i], &u, &e) < 0, "http(s): refused: '%s' (%s)", bad[i], e.msg);
	}
}

int main(void)
{
	s3_keys();
	http_urls();
	return tap_done();
}
