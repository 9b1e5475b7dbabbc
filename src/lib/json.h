/* json.h: read JSON documents (IMDS credentials, Docker answers, test vectors) with the
 * jsmn tokenizer: no allocation, tokens in a caller array, bounded by its size. */
#ifndef BS_JSON_H
#define BS_JSON_H

#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../err.h"

struct json {
	const char *js;
	size_t len;
	jsmntok_t *tok;
	int n;
};

/* Tokenize js[0..len) into toks[0..max).  0, or -EBADMSG (not JSON) / -E2BIG (more tokens). */
int json_parse(struct json *j, const char *js, size_t len, jsmntok_t *toks, unsigned max, struct bs_err *e);

/* Index of the token after tok's whole subtree. */
int json_skip(const struct json *j, int tok);

/* The value token of key in object obj, or -1 (also when obj is not an object). */
int json_get(const struct json *j, int obj, const char *key);

/* Unescape string token tok into buf (NUL-terminated, UTF-8).  Length, or -EINVAL (not
 * a string, bad escape) / -E2BIG (does not fit). */
int json_string(const struct json *j, int tok, char *buf, size_t cap);

/* Convenience: json_get + json_string.  Length or < 0 (-ENOENT when absent). */
int json_get_string(const struct json *j, int obj, const char *key, char *buf, size_t cap);

/* true if tok is the literal true. */
bool json_is_true(const struct json *j, int tok);

/* The integer value of a primitive token (no fraction, no exponent).  0 or -EINVAL. */
int json_int(const struct json *j, int tok, long long *ret);

/* The one JSON string writer: s[0..n) quoted, '"', '\\' and control characters escaped,
 * valid UTF-8 kept as it is, each byte of an invalid sequence written as U+FFFD, so the output
 * is valid JSON whatever s holds (details may quote what a server sent); handed to out in
 * pieces. */
void json_escape(const char *s, size_t n, void (*out)(void *ctx, const char *p, size_t len), void *ctx);

/* json_escape of the C string s to f; NULL is written as null. */
void json_write_string(FILE *f, const char *s);

#endif
