/* test_json.c: json_write_string, the writer of `plan --json` and `status --json`: escapes,
 * UTF-8 kept, invalid bytes as U+FFFD, and a round trip through the reader (json_string)
 * for random bytes. */
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "tap.h"

static char out[1024];

static const char *written(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return "(open_memstream failed)";
	json_write_string(f, s);
	fclose(f);
	(void) snprintf(out, sizeof out, "%s", buf);
	free(buf);
	return out;
}

/* s back through the reader: 1 when it parses as one string equal to want */
static int reads_back(const char *js, const char *want)
{
	static jsmntok_t tok[4];
	static char buf[1024];
	struct json j;
	struct bs_err e;
	if (json_parse(&j, js, strlen(js), tok, 4, &e) < 0 || j.n != 1)
		return 0;
	return json_string(&j, 0, buf, sizeof buf) >= 0 && !strcmp(buf, want);
}

static int valid_utf8(const unsigned char *s)
{
	while (*s) {
		size_t n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 : (*s & 0xf8) == 0xf0 ? 4 : 0;
		if (!n || (n == 2 && *s < 0xc2) || (n == 4 && *s > 0xf4))
			return 0;
		for (size_t i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		if (n == 3 && ((*s == 0xe0 && s[1] < 0xa0) || (*s == 0xed && s[1] > 0x9f)))
			return 0;
		if (n == 4 && ((*s == 0xf0 && s[1] < 0x90) || (*s == 0xf4 && s[1] > 0x8f)))
			return 0;
		s += n;
	}
	return 1;
}

int main(void)
{
	static const struct {
		const char *in, *want, *name;
	} cases[] = {
		{ "plain", "\"plain\"", "plain ASCII as it is" },
		{ "a \"b\" c\\d", "\"a \\\"b\\\" c\\\\d\"", "quote and backslash escaped" },
		{ "l1\nl2\tx\r", "\"l1\\nl2\\tx\\u000d\"", "newline, tab, CR escaped" },
		{ "\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"", "control characters and DEL as \\u" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "valid UTF-8 (2, 3, 4 bytes) kept" },
		{ "x\xffy", "\"x\\ufffdy\"", "an invalid byte: U+FFFD" },
		{ "\xc0\x80", "\"\\ufffd\\ufffd\"", "an overlong NUL: each byte U+FFFD" },
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "a UTF-16 surrogate: U+FFFD each" },
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "above U+10FFFF: U+FFFD each" },
		{ "end \xe2\x82", "\"end \\ufffd\\ufffd\"", "a sequence cut at the end" },
		{ "", "\"\"", "empty string" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		EQ_STR(written(cases[i].in), cases[i].want, "%s", cases[i].name);
	EQ_STR(written(NULL), "null", "NULL as null");

	/* random bytes: always JSON the reader takes, always valid UTF-8 once read; equal to the
	 * input when it was valid UTF-8 */
	{
		int parsed = 0, utf8 = 0, same = 0, valid_in = 0;
		unsigned seed = 1;
		for (int n = 0; n < 20000; n++) {
			unsigned char in[48];
			size_t len = 1 + (size_t) (rand_r(&seed) % 40);
			static jsmntok_t tok[4];
			static char back[1024];
			struct json j;
			struct bs_err e;
			if (n % 2) {
				for (size_t i = 0; i < len; i++) {
					int r = rand_r(&seed);
					/* mostly ASCII, some UTF-8 lead and continuation bytes, some anything */
					in[i] = (unsigned char) (r % 4 == 0	  ? 0x80 + (r >> 8) % 0x80
								 : r % 4 == 1 ? 0xc0 + (r >> 8) % 0x38
									      : 1 + (r >> 8) % 0x7f);
				}
			} else { /* valid UTF-8: code points of every length, no surrogates */
				size_t i = 0;
				while (i + 4 < len) {
					unsigned cp = (unsigned) rand_r(&seed) % 0x110000;
					if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
						cp = 'a';
					if (rand_r(&seed) % 2)
						cp %= 0x80, cp = cp ? cp : 'b';
					if (cp < 0x80)
						in[i++] = (unsigned char) cp;
					else if (cp < 0x800)
						in[i++] = (unsigned char) (0xc0 | cp >> 6), in[i++] = (unsigned char) (0x80 | (cp & 0x3f));
					else if (cp < 0x10000)
						in[i++] = (unsigned char) (0xe0 | cp >> 12), in[i++] = (unsigned char) (0x80 | (cp >> 6 & 0x3f)),
						in[i++] = (unsigned char) (0x80 | (cp & 0x3f));
					else
						in[i++] = (unsigned char) (0xf0 | cp >> 18), in[i++] = (unsigned char) (0x80 | (cp >> 12 & 0x3f)),
						in[i++] = (unsigned char) (0x80 | (cp >> 6 & 0x3f)), in[i++] = (unsigned char) (0x80 | (cp & 0x3f));
				}
				len = i;
			}
			in[len] = '\0';
			written((const char *) in);
			if (json_parse(&j, out, strlen(out), tok, 4, &e) == 0 && j.n == 1 &&
			    json_string(&j, 0, back, sizeof back) >= 0) {
				parsed++;
				utf8 += valid_utf8((const unsigned char *) back);
				if (valid_utf8(in))
					valid_in++, same += !strcmp(back, (const char *) in);
			}
		}
		EQ_INT(parsed, 20000, "20000 random strings: every one written is a JSON string the reader takes");
		EQ_INT(utf8, 20000, "... and reads back as valid UTF-8");
		OK(valid_in > 10000 && same == valid_in, "... the %d that were valid UTF-8 read back unchanged (%d)", valid_in, same);
	}
	OK(reads_back(written("a\"\\\n\x01\xc3\xa9"), "a\"\\\n\x01\xc3\xa9"), "escapes read back to the bytes written");
	return tap_done();
}
