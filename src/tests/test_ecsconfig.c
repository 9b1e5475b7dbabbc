/* test_ecsconfig.c: rendering ecs.config (precedence, hand edits kept, idempotence),
 * key/value checks, secrets. */
#include <errno.h>
#include <string.h>

#include "lib/ecsconfig.h"
#include "tap.h"

static const struct ecsconfig_kv defs[] = {
	{ "ECS_DATADIR", "/data" },
	{ "ECS_LOGLEVEL", "info" },
	{ "ECS_CLUSTER", "default" },
};

static char out[65536], out2[65536];

static int render(const char *old, const struct ecsconfig_kv *ov, size_t n_ov, char *buf, size_t *len,
		  struct bs_err *e)
{
	struct ecsconfig_input in = { .old = old, .old_len = old ? strlen(old) : 0, .defaults = defs,
				      .n_defaults = 3, .overrides = ov, .n_overrides = n_ov };
	int r = ecsconfig_render(&in, buf, sizeof out - 1, len, e);
	if (r == 0)
		buf[*len] = '\0';
	return r;
}

int main(void)
{
	struct bs_err e;
	size_t n, n2;
	const char *v;
	int r;

	r = render(NULL, NULL, 0, out, &n, &e);
	EQ_STR(out, ECSCONFIG_HEADER "ECS_DATADIR=/data\nECS_LOGLEVEL=info\nECS_CLUSTER=default\n",
	       "fresh file: header and defaults in order");

	{
		const struct ecsconfig_kv ov[] = { { "ECS_CLUSTER", "a" }, { "ECS_X", "1" }, { "ECS_CLUSTER", "prod" } };
		r = render(NULL, ov, 3, out, &n, &e);
		EQ_STR(out, ECSCONFIG_HEADER "ECS_DATADIR=/data\nECS_LOGLEVEL=info\nECS_CLUSTER=prod\nECS_X=1\n",
		       "fresh file: overrides replace defaults, later override wins, new keys appended");
	}
	{
		const char *old = "# mine\nECS_LOGLEVEL=debug\nECS_CLUSTER=old\r\nMY_KEY=\"quoted value\" \nPASS\n";
		const struct ecsconfig_kv ov[] = { { "ECS_CLUSTER", "new" } };
		r = render(old, ov, 1, out, &n, &e);
		EQ_STR(out, "# mine\nECS_LOGLEVEL=debug\nECS_CLUSTER=new\nMY_KEY=\"quoted value\" \nPASS\nECS_DATADIR=/data\n",
		       "existing file: comments and hand-set keys kept, overridden key rewritten in place, missing default appended");
		r = render(out, ov, 1, out2, &n2, &e);
		EQ_STR(out2, out, "rendering the result again changes nothing");
	}
	{
		const char *old = "A=1\nA=2\n";
		const struct ecsconfig_kv ov[] = { { "A", "3" } };
		r = render(old, ov, 1, out, &n, &e);
		OK(r == 0 && strstr(out, "A=3\nA=3\n") == out, "every duplicate of an overridden key gets the new value");
	}
	r = render("OK=1\nBAD KEY=2\n", NULL, 0, out, &n, &e);
	OK(r == -EINVAL && strstr(e.msg, "line 2") && strstr(e.msg, "'BAD KEY'"), "bad key refused with its line: %s", e.msg);
	r = render("=x\n", NULL, 0, out, &n, &e);
	OK(r == -EINVAL, "empty key refused");
	{
		struct ecsconfig_input in = { .old = NULL, .defaults = defs, .n_defaults = 3 };
		r = ecsconfig_render(&in, out, 20, &n, &e);
		OK(r == -E2BIG, "output bounded by the buffer");
	}

	OK(ecsconfig_check_key("ECS_CLUSTER", 11, &e) == 0, "plain key accepted");
	OK(ecsconfig_check_key("with.dots-and_x", 15, &e) == 0, "dots and dashes accepted");
	OK(ecsconfig_check_key("A B", 3, &e) < 0, "blank in key refused");
	OK(ecsconfig_check_key("1A", 2, &e) < 0, "leading digit refused");
	OK(ecsconfig_check_key("", 0, &e) < 0, "empty key refused");
	OK(ecsconfig_check_key("#A", 2, &e) < 0, "'#' refused");
	OK(ecsconfig_check_value("K", "a b \"c\"", 7, &e) == 0, "value with blanks and quotes accepted");
	OK(ecsconfig_check_value("K", "a\nB=1", 5, &e) == -EINVAL, "newline in value refused (would inject a key)");
	OK(ecsconfig_check_value("K", "a\rb", 3, &e) == -EINVAL, "CR in value refused");
	OK(ecsconfig_check_value("K", "\xff", 1, &e) == -EILSEQ, "invalid UTF-8 refused");
	{
		static char big[70000];
		memset(big, 'a', sizeof big);
		OK(ecsconfig_check_value("K", big, sizeof big, &e) == -E2BIG, "huge value refused");
	}

	OK(ecsconfig_is_secret("ECS_ENGINE_AUTH_DATA", 20), "ECS_ENGINE_AUTH_DATA is secret");
	OK(ecsconfig_is_secret("AWS_SESSION_TOKEN", 17), "AWS_SESSION_TOKEN is secret");
	OK(ecsconfig_is_secret("my_db_password", 14), "*PASSWORD* is secret");
	OK(!ecsconfig_is_secret("ECS_CLUSTER", 11), "ECS_CLUSTER is not secret");
	/* a URL with user info is a secret whatever its key (HTTP_PROXY with a password) */
	OK(ecsconfig_value_secret("http://user:pass@proxy:3128", 27), "URL with user info is secret");
	OK(ecsconfig_value_secret("socks5://u@h", 12), "user without password is secret too");
	OK(!ecsconfig_value_secret("http://proxy:3128", 17), "URL without user info is not");
	OK(!ecsconfig_value_secret("http://proxy:3128/a@b", 21), "an @ in the path is not user info");
	OK(!ecsconfig_value_secret("a@b.example", 11), "an e-mail address is not a URL");
	EQ_INT(ecsconfig_has_secret("HTTP_PROXY=http://u:p@h:1\n", 26), 1, "has_secret: a URL with credentials");
	EQ_INT(ecsconfig_has_secret("A=1\nECS_ENGINE_AUTH_DATA={}\n", 27), 1, "has_secret finds it");
	EQ_INT(ecsconfig_has_secret("A=1\n", 4), 0, "has_secret: none");
	r = ecsconfig_get("A=1\nB=x y\nA=2\n", 14, "A", &v, &n);
	OK(r == 1 && n == 1 && v[0] == '2', "get: the last value wins");
	r = ecsconfig_get("A=1\n", 4, "B", &v, &n);
	EQ_INT(r, 0, "get: absent key");
	{ /* ecs-init's booleans: Go's strconv.ParseBool, last value wins */
		static const char cfg[] = "A=true\nB=True\nC=1\nD=t\nE=yes\nF=TRUE\nG=true \nH=false\nA=0\nI=T\n";
		size_t cl = sizeof cfg - 1;
		OK(!ecsconfig_bool(cfg, cl, "A"), "bool: A's last value 0");
		OK(ecsconfig_bool(cfg, cl, "B") && ecsconfig_bool(cfg, cl, "C") && ecsconfig_bool(cfg, cl, "D") &&
		   ecsconfig_bool(cfg, cl, "F") && ecsconfig_bool(cfg, cl, "I"), "bool: True, 1, t, TRUE, T");
		OK(!ecsconfig_bool(cfg, cl, "E") && !ecsconfig_bool(cfg, cl, "G") && !ecsconfig_bool(cfg, cl, "H"),
		   "bool: yes, 'true ' and false are not true");
		OK(!ecsconfig_bool(cfg, cl, "Z"), "bool: absent is false");
	}
	ecsconfig_mask(42, out, sizeof out);
	EQ_STR(out, "<masked, 42 bytes>", "mask shows only the length");
	return tap_done();
}
