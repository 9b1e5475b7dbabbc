/* fuzz_json.c: the JSON helpers (jsmn underneath) on arbitrary documents: walk every
 * token, unescape every string, look keys up.  Nothing may read out of bounds. */
#include <stdint.h>
#include <string.h>

#include "lib/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static jsmntok_t tok[512];
	static char buf[4096];
	struct json j;
	struct bs_err e;
	long long v;

	if (json_parse(&j, (const char *) data, size, tok, 512, &e) < 0)
		return 0;
	for (int i = 0; i < j.n; i++) {
		(void) json_string(&j, i, buf, sizeof buf);
		(void) json_int(&j, i, &v);
		(void) json_is_true(&j, i);
		(void) json_get(&j, i, "AccessKeyId");
		(void) json_skip(&j, i);
	}
	return 0;
}
