/* fuzz_dockerref.c: --agent-image references and Docker's config.json credentials.
 * Invariants: a reference that parses has a non-empty name made only of the allowed
 * characters, a tag or a digest, and parses again (as NAME:TAG or NAME@DIGEST) to the same
 * parts; an X-Registry-Auth value is base64url that decodes to a JSON object. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/docker.h"
#include "lib/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct docker_ref r, again;
	static char s[4096], out[8192], back[8192], dec[8192];
	static jsmntok_t tok[64];
	struct bs_err e;
	const char *nl;

	if (size >= sizeof s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	nl = memchr(s, '\n', size);
	if (nl)
		s[nl - s] = '\0';
	if (docker_ref_parse(s, &r, &e) == 0) {
		if (!r.name[0] || !r.host[0] || (!r.tag[0] && !r.digest[0]) ||
		    strspn(r.name, "abcdefghijklmnopqrstuvwxyz0123456789._-/:") != strlen(r.name))
			abort();
		(void) snprintf(back, sizeof back, "%s%s%s", r.name, r.digest[0] ? "@" : ":", r.digest[0] ? r.digest : r.tag);
		if (docker_ref_parse(back, &again, &e) != 0 || strcmp(again.name, r.name) != 0 || strcmp(again.digest, r.digest) != 0 ||
		    strcmp(again.host, r.host) != 0 || (!r.digest[0] && strcmp(again.tag, r.tag) != 0))
			abort();
	}
	/* the whole input as config.json (the part after a newline, if any) */
	{
		const char *cfg = nl ? (const char *) data + (nl - s) + 1 : (const char *) data;
		size_t len = nl ? size - (size_t) (nl - s) - 1 : size;
		if (docker_registry_auth(cfg, len, s[0] ? s : "public.ecr.aws", out, sizeof out, &e) == 1) {
			struct b64 st = { 0 };
			struct json j;
			size_t o = 0, n = strlen(out);
			for (size_t i = 0; i < n; i++)
				out[i] = out[i] == '-' ? '+' : out[i] == '_' ? '/' : out[i];
			if (b64_decode(&st, (const unsigned char *) out, n, (unsigned char *) dec, sizeof dec - 1, &o) < 0 ||
			    json_parse(&j, dec, o, tok, 64, &e) < 0 || json_get(&j, 0, "serveraddress") < 0)
				abort();
		}
	}
	return 0;
}
