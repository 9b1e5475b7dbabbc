/* fuzz_json.c: the JSON helpers (jsmn underneath) on arbitrary documents: walk every
 * token, unescape every string, look keys up.  Nothing may read out of bounds.  And the
 * writer: the input as a C string through json_write_string must read back as one string. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

	{
		static char in[1024];
		size_t n = size < sizeof in - 1 ? size : sizeof in - 1;
		char *w = NULL;
		size_t wl = 0;
		FILE *f;
		memcpy(in, data, n);
		in[n] = '\0';
		f = open_memstream(&w, &wl);
		if (f) {
			json_write_string(f, in);
			fclose(f);
			if (json_parse(&j, w, wl, tok, 512, &e) < 0 || j.n != 1 || json_string(&j, 0, buf, sizeof buf) < 0)
				abort(); /* what we write must be one JSON string the reader takes */
			free(w);
		}
	}
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
