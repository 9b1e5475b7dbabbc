/* fuzz_url.c: URL parsing, formatting and redirect resolution.  Invariants: a parsed
 * URL formats to a string that parses to the same URL (an s3:// key is raw, so exactly
 * the same key); an s3:// key holds no control byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url u, v, w;
	char s[4096], f[URL_HOST_MAX + URL_PATH_MAX + 64];
	const char *nl;
	struct bs_err e;

	if (size >= sizeof s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	nl = strchr(s, '\n');
	if (nl)
		s[nl - s] = '\0';
	if (url_parse(s, &u, &e) < 0)
		return 0;
	if (u.scheme == URL_S3) {
		for (const char *p = u.path; *p; p++)
			if ((unsigned char) *p < 0x20 || *p == 0x7f)
				abort();
		if (url_format(&u, f, sizeof f) < 0 || url_parse(f, &v, &e) < 0 || strcmp(u.host, v.host) != 0 ||
		    strcmp(u.path, v.path) != 0)
			abort();
		return 0;
	}
	if (url_format(&u, f, sizeof f) == 0) {
		if (url_parse(f, &v, &e) < 0 || strcmp(u.host, v.host) != 0 || u.port != v.port || strcmp(u.path, v.path) != 0)
			abort();
		if (nl)
			(void) url_resolve(&u, nl + 1, &w, &e);
	}
	return 0;
}
