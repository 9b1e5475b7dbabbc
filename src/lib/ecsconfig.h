/* ecsconfig.h: render /etc/ecs/ecs.config from defaults, the existing file and overrides.
 *
 * Precedence: defaults < keys already in the file < overrides, where the
 * overrides list holds --config-url entries then --set/--cluster entries, later winning.
 * The existing file is kept line by line (comments, order, hand-set keys): a line whose
 * key is overridden is rewritten as KEY=VALUE, everything else is copied unchanged
 * (a missing final LF is added).  Defaults and overrides whose key the file does not
 * have are appended, defaults first, in table order.  A new file starts with a
 * short header comment.  Rendering the result again gives the same bytes.
 */
#ifndef BS_ECSCONFIG_H
#define BS_ECSCONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"

struct ecsconfig_kv {
	const char *key;
	const char *val;
};

struct ecsconfig_input {
	const char *old;      /* existing file content, or NULL when there is none */
	size_t old_len;
	const struct ecsconfig_kv *defaults;
	size_t n_defaults;
	const struct ecsconfig_kv *overrides;
	size_t n_overrides;
};

#define ECSCONFIG_HEADER \
	"# /etc/ecs/ecs.config, written by ecs-bootstrap.\n" \
	"# Keys set here by hand are kept on every run; --cluster and --set override them.\n" \
	"# Syntax: docker run --env-file (KEY=VALUE, values literal, '#' starts a comment line).\n"

/* Render into out (cap bytes).  0 with *ret_len, or -EINVAL (the existing file does not
 * parse: e names the line), -E2BIG (result over cap or too many entries). */
int ecsconfig_render(const struct ecsconfig_input *in, char *out, size_t cap, size_t *ret_len,
		     struct bs_err *e);

/* Check a key given on the command line: 1..255 bytes of [A-Za-z0-9_.-], not starting
 * with a digit, '.' or '-'.  0 or -EINVAL with a message. */
int ecsconfig_check_key(const char *key, size_t len, struct bs_err *e);

/* Check a value given on the command line: at most 65000 bytes, valid UTF-8, no CR, LF
 * or NUL.  0 or -EINVAL / -E2BIG with a message naming the key. */
int ecsconfig_check_value(const char *key, const char *val, size_t len, struct bs_err *e);

/* Whether values of this key are secrets (masked in logs and output; file mode 0600):
 * ECS_ENGINE_AUTH_DATA, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and any key whose
 * name contains SECRET, PASSWORD, TOKEN or CREDENTIAL (case-insensitive). */
bool ecsconfig_is_secret(const char *key, size_t len);
/* Whether a value is a secret whatever its key: a URL with user info
 * (HTTP_PROXY=http://user:pass@proxy:3128). */
bool ecsconfig_value_secret(const char *val, size_t len);

/* Last value of key in cfg per env-file rules (pass-through lines ignored).
^ * 1 and *ret_val, *ret_len point into cfg; 0 when absent; < 0 if cfg does not parse. */
int ecsconfig_get(const char *cfg, size_t len, const char *key, const char **ret_val, size_t *ret_len);

/* Whether key's last value in cfg is true as Go's strconv.ParseBool reads it (ecs-init's
 * test): "1", "t", "T", "TRUE", "true", "True".  Absent, another value or a cfg that does
 * not parse: false. */
bool ecsconfig_bool(const char *cfg, size_t len, const char *key);

/* 1 if any assignment in cfg has a secret key, 0 if none, < 0 if cfg does not parse. */
int ecsconfig_has_secret(const char *cfg, size_t len);

/* Drop every line that assigns key from cfg (in place).  0 or < 0 if cfg does not parse. */
int ecsconfig_remove_key(char *cfg, size_t *len, const char *key);

/* Write "<masked, N bytes>" into buf. */
void ecsconfig_mask(size_t val_len, char *buf, size_t cap);

#endif
