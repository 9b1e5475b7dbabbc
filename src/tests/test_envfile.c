/* test_envfile.c: the env-file parser against docker's published cases
 * (src/tests/data/envfile-cases-public.json) and our own edge cases. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "lib/envfile.h"
#include "lib/json.h"
#include "tap.h"

#define OUT_MAX (1 << 20)

struct collect {
	char out[OUT_MAX]; /* "K=V\n" per entry */
	size_t len;
	const char *lookup_json; /* {"K":"V",...} of the case, or NULL */
};

static int on_entry(void *ctx, const struct envfile_entry *e)
{
	struct collect *c = ctx;
	int n = snprintf(c->out + c->len, OUT_MAX - c->len, "%.*s=%.*s\n", (int) e->key_len, e->key, (int) e->val_len,
			 e->val);
	if (n < 0 || (size_t) n >= OUT_MAX - c->len)
		return -E2BIG;
	c->len += (size_t) n;
	return 0;
}

static const char *env_a(void *ctx, const char *key)
{
	(void) ctx;
	if (!strcmp(key, "DEFINED_VAR"))
		return "defined-value";
	if (!strcmp(key, "HOME"))
		return "/root";
	return NULL;
}

static int parse(const char *in, size_t n, struct collect *c, struct bs_err *e, int with_lookup)
{
	struct envfile_ops ops = { .entry = on_entry, .lookup = with_lookup ? env_a : NULL, .ctx = c };
	c->len = 0;
	c->out[0] = '\0';
	return envfile_parse(in, n, &ops, e);
}

static struct json J;
static jsmntok_t tok[8192];
#define get(obj, key) json_get(&J, obj, key)
#define skip(i) json_skip(&J, i)

static size_t str(int i, char *buf, size_t cap)
{
	int n = json_string(&J, i, buf, cap);
	return n < 0 ? 0 : (size_t) n;
}

static size_t unhex(const char *h, size_t hn, char *out)
{
	size_t n = 0;
	for (size_t i = 0; i + 1 < hn; i += 2)
		out[n++] = (char) strtoul((char[]) { h[i], h[i + 1], 0 }, NULL, 16);
	return n;
}

static void vectors(const char *path)
{
	static struct collect c;
	static char in[OUT_MAX], want[OUT_MAX], s[OUT_MAX];
	struct bs_err e;
	int fd = open(path, O_RDONLY | O_CLOEXEC), cases, i;
	ssize_t len;
	char *js = malloc(1 << 20);

	len = fd >= 0 ? read(fd, js, (1 << 20) - 1) : -1;
	OK(len > 0, "read %s", path);
	if (len <= 0)
		return;
	close(fd);
	OK(json_parse(&J, js, (size_t) len, tok, sizeof tok / sizeof tok[0], &e) == 0, "vector file parses as JSON (%d tokens)", J.n);
	cases = get(0, "cases");
	OK(cases > 0 && tok[cases].type == JSMN_ARRAY, "has a cases array");
	i = cases + 1;
	for (int k = 0; k < tok[cases].size; k++, i = skip(i)) {
		int id = get(i, "id"), hex = get(i, "input_hex"), gen = get(i, "input_generator");
		int exp = get(i, "docker_cli_v20_10_to_v27"), exp28 = get(i, "docker_cli_v28_plus_kvfile");
		int lk = get(i, "lookup_env"), ok, lines, r;
		char name[128];
		size_t n = 0, wn = 0;

		str(id, name, sizeof name);
		if (hex > 0) {
			n = unhex(J.js + tok[hex].start, (size_t) (tok[hex].end - tok[hex].start), in);
		} else if (gen > 0) {
			char pre[32], ch;
			int a, b;
			str(gen, s, sizeof s);
			if (sscanf(s, "'%31[^']' + '%c'*(%d+%d)", pre, &ch, &a, &b) != 4) {
				OK(0, "%s: understand generator '%s'", name, s);
				continue;
			}
			n = strlen(pre);
			memcpy(in, pre, n);
			memset(in + n, ch, (size_t) (a + b));
			n += (size_t) (a + b);
		}
		ok = get(exp, "ok");
		r = parse(in, n, &c, &e, lk > 0 && tok[lk].type == JSMN_OBJECT);
		if (json_is_true(&J, ok)) {
			lines = get(exp, "lines");
			for (int j = 0, t = lines + 1; j < tok[lines].size; j++, t = skip(t)) {
				wn += str(t, want + wn, sizeof want - wn);
				want[wn++] = '\n';
			}
			want[wn] = '\0';
			OK(r >= 0, "%s: accepted", name);
			EQ_STR(c.out, want, "%s: same entries as docker --env-file", name);
		} else {
			int er = get(exp, "error"), er28 = get(get(i, "docker_cli_v28_plus_kvfile") > 0 ? exp28 : exp, "error");
			char *msg;
			str(er28 > 0 ? er28 : er, s, sizeof s);
			msg = strstr(s, "bufio.Scanner: token too long") ? "too long" : s;
			OK(r < 0, "%s: refused", name);
			OK(r < 0 && strstr(e.msg, msg) != NULL, "%s: message '%s' has docker's text '%s'", name,
			   r < 0 ? e.msg : "", msg);
		}
	}
	free(js);
}

#define PARSE(lit) parse(lit, sizeof(lit) - 1, &c, &e, 0)

static void edge_cases(void)
{
	static struct collect c;
	struct bs_err e;
	int r;

	r = PARSE("A=1\r\nB= two \r\n");
	EQ_STR(c.out, "A=1\nB= two \n", "CR before LF dropped, blanks in values kept");
	r = PARSE("\xEF\xBB\xBFK=v\n\xEF\xBB\xBFL=w\n");
	EQ_STR(c.out, "K=v\n\xEF\xBB\xBFL=w\n", "BOM kept after line 1 (part of the key, as docker does)");
	r = PARSE("\xEF\xBB\xBFK=v\n");
	EQ_STR(c.out, "K=v\n", "BOM stripped on line 1");
	r = PARSE("K=\"quoted\" # not a comment\n");
	EQ_STR(c.out, "K=\"quoted\" # not a comment\n", "values are literal");
	r = PARSE("  \t# comment\n\xC2\xA0  X=1\n");
	EQ_STR(c.out, "X=1\n", "leading unicode white space (NBSP) trimmed");
	r = PARSE("A=1\nB=\xFF\n");
	OK(r == -EILSEQ && strstr(e.msg, "line 2"), "invalid UTF-8 names line 2: %s", e.msg);
	r = PARSE("A=1\nexport B=2\n");
	OK(r == -EINVAL && strstr(e.msg, "line 2: variable 'export B' contains whitespaces"), "export refused: %s", e.msg);
	r = PARSE("A=1\nA=2");
	EQ_STR(c.out, "A=1\nA=2\n", "duplicates kept in order, last line without LF");
	r = PARSE("K=a=b\n");
	EQ_STR(c.out, "K=a=b\n", "split at the first '='");
	r = PARSE("\xED\xA0\x80=1\n");
	OK(r == -EILSEQ, "UTF-16 surrogate encoded in UTF-8 refused");
	r = PARSE("\xC0\xAF=1\n");
	OK(r == -EILSEQ, "overlong UTF-8 refused");
	/* NUL: docker's parser lets it through, and the container then fails to start (Go's
	 * os.Setenv in runc refuses a NUL in a name or a value); a C string would cut the key */
	r = PARSE("X=0\nA\0B=1\n");
	OK(r == -EINVAL && strstr(e.msg, "line 2") && strstr(e.msg, "NUL"), "NUL in a key refused, naming line 2: %s",
	   r < 0 ? e.msg : c.out);
	r = PARSE("A=1\0B\n");
	OK(r == -EINVAL && strstr(e.msg, "line 1") && strstr(e.msg, "NUL") && strstr(e.msg, "'A'"),
	   "NUL in a value refused, naming the line and the key: %s", r < 0 ? e.msg : c.out);
	r = PARSE("\0\n");
	OK(r == -EINVAL && strstr(e.msg, "line 1"), "a lone NUL (a pass-through key) refused: %s", r < 0 ? e.msg : c.out);
	r = PARSE("# comment \0 with a NUL\nA=1\n");
	EQ_STR(c.out, "A=1\n", "a NUL in a comment line is ignored with the line");
	(void) r;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "src/tests/data/envfile-cases-public.json";
	vectors(path);
	edge_cases();
	return tap_done();
}
