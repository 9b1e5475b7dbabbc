/* envfile.h: parse a file with exactly the rules of `docker run --env-file`
 * (docker/cli opts/file.go up to v27, pkg/kvfile from v28; the two agree on every
 * published case, see vectors/docker/envfile-cases-public.json):
 *
 * - lines end at LF; one CR before the LF (or at end of file) is dropped; the last
 *   line need not end in LF; a line of 65536 bytes or more is an error;
 * - each line must be valid UTF-8; a UTF-8 BOM is removed from line 1 only;
 * - leading white space (Go's unicode.IsSpace) is removed; empty lines and lines whose
 *   first remaining character is '#' are skipped;
 * - the line splits at its FIRST '='; the key must be non-empty and contain no space
 *   or tab; the value is literal: no quotes removed, no escapes, no interpolation,
 *   trailing blanks kept;
 * - a line without '=' is a pass-through: KEY=<value of KEY in the caller's environment>,
 *   or nothing when KEY is unset;
 * - duplicates are all kept, in order (the later one wins in the container);
 * - a NUL byte in a key or in a value (of a KEY=VALUE line) is an error.  docker's parser
 *   lets NUL through (it is valid UTF-8), but the container then fails to start: runc puts
 *   the environment in place with Go's os.Setenv, which refuses a NUL in a name or a value.
 *   Here it would silently cut the key or the value short instead.  Comment lines are
 *   skipped whole, NUL or not, as docker does.
 *
 * Errors use docker's wording and name the line: "line 3: variable 'f   ' contains
 * whitespaces", "line 2: no variable name on line '=x'", "line 4: invalid utf8 bytes",
 * "line 1: too long (limit 65535 bytes)"; and ours: "line 2: variable name contains a NUL
 * byte (at byte 2)", "line 5: value of 'K' contains a NUL byte".
 */
#ifndef BS_ENVFILE_H
#define BS_ENVFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"

#define ENVFILE_LINE_MAX 65535     /* bytes before the LF: docker's bufio.Scanner limit */
#define ENVFILE_KEY_LOOKUP_MAX 256 /* pass-through keys longer than this are never looked up */

struct envfile_entry {
	const char *key;      /* points into the input; not NUL-terminated */
	size_t key_len;
	const char *val;      /* into the input, or the lookup result */
	size_t val_len;
	bool has_eq;          /* false: pass-through line, val came from lookup */
	unsigned line;        /* 1-based */
	const char *raw;      /* the whole line as in the input, without LF (CR kept) */
	size_t raw_len;
};

/* Called per assignment.  Return < 0 to stop parsing with that code. */
typedef int envfile_cb(void *ctx, const struct envfile_entry *ent);

/* Called for a pass-through KEY (no '='): return the value or NULL when unset.
 * May be NULL, then pass-through lines yield nothing.  key is NUL-terminated. */
typedef const char *envfile_lookup(void *ctx, const char *key);

/* Called for every line (including skipped ones) when not NULL, before the entry
 * callback: lets a caller rewrite a file line by line.  ent is NULL for blank and
 * comment lines; for a pass-through line ent->has_eq is false and ent->val is the
 * lookup result or NULL (then no entry callback follows). */
typedef int envfile_line_cb(void *ctx, const char *raw, size_t raw_len, const struct envfile_entry *ent);

struct envfile_ops {
	envfile_cb *entry;
	envfile_lookup *lookup;
	envfile_line_cb *line;
	void *ctx;
};

/* Parse data[0..len).  Returns the number of lines, or < 0 (-EINVAL for syntax,
 * -E2BIG for a line too long, -EILSEQ for bad UTF-8, or the callback's code) with e set. */
int envfile_parse(const char *data, size_t len, const struct envfile_ops *ops, struct bs_err *e);

/* true if s[0..n) is valid UTF-8 (Go's utf8.Valid: no surrogates, no overlongs, <= U+10FFFF). */
bool envfile_utf8_valid(const char *s, size_t n);

#endif
