/* fetch.c: see fetch.h. */
#include "fetch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imds.h"
#include "sigv4.h"

struct s3_ctx {
	const char *region;
	const char *akid, *secret, *token;
};

static int s3_sign(void *ctx, const struct url *u, const char *method, char *buf, size_t cap, struct bs_err *e)
{
	static struct sigv4_out out;
	struct s3_ctx *c = ctx;
	char host[URL_HOST_MAX + 16], date[17], path[URL_PATH_MAX];
	const char *q = strchr(u->path, '?');
	struct sigv4_header h[3];
	struct sigv4_req sr = { 0 };
	int n, k;

	if (url_hostport(u, host, sizeof host) < 0)
		return err_set(e, -ENAMETOOLONG, "host too long");
	(void) snprintf(path, sizeof path, "%.*s", (int) (q ? (size_t) (q - u->path) : strlen(u->path)), u->path);
	sigv4_amz_date((long long) time(NULL), date);
	h[0] = (struct sigv4_header) { "host", host };
	h[1] = (struct sigv4_header) { "x-amz-content-sha256", "UNSIGNED-PAYLOAD" };
	h[2] = (struct sigv4_header) { "x-amz-date", date };
	sr.method = method;
	sr.path = path;
	sr.query = q ? q + 1 : "";
	sr.headers = h;
	sr.n_headers = 3;
	sr.payload_hash = "UNSIGNED-PAYLOAD";
	sr.region = c->region;
	sr.service = "s3";
	sr.amz_date = date;
	sr.access_key = c->akid;
	sr.secret_key = c->secret;
	sr.session_token = c->token && *c->token ? c->token : NULL;
	k = sigv4_sign(&sr, &out, e);
	if (k < 0)
		return k;
	n = snprintf(buf, cap, "x-amz-content-sha256: UNSIGNED-PAYLOAD\r\nx-amz-date: %s\r\n%s%s%sAuthorization: %s\r\n",
		     date, sr.session_token ? "x-amz-security-token: " : "", sr.session_token ? sr.session_token : "",
		     sr.session_token ? "\r\n" : "", out.authorization);
	if (n < 0 || (size_t) n >= cap)
		return err_set(e, -E2BIG, "signed headers too long");
	return 0;
}

int fetch_region_check(const char *region, const char *from, struct bs_err *e)
{
	size_t n = strlen(region);
	bool ok = n >= 1 && n <= FETCH_REGION_MAX && region[0] >= 'a' && region[0] <= 'z' && region[n - 1] != '-';
	char shown[68];
	size_t o = 0;

	for (size_t i = 0; ok && i < n; i++)
		ok = (region[i] >= 'a' && region[i] <= 'z') || (region[i] >= '0' && region[i] <= '9') || region[i] == '-';
	if (ok)
		return 0;
	/* The name as far as it can be shown: it may be anything IMDS or a variable held. */
	for (size_t i = 0; i < n && o < 64; i++)
		shown[o++] = region[i] >= 0x20 && region[i] < 0x7f ? region[i] : '?';
	if (o < n)
		shown[o++] = '.', shown[o++] = '.', shown[o++] = '.';
	shown[o] = '\0';
	return err_setx(e, -EINVAL, BS_EXIT_USAGE,
			"region '%s' (from %s) is not a region name: want lowercase letters, digits and hyphens, like "
			"us-east-1, at most %d bytes",
			shown, from, FETCH_REGION_MAX);
}

struct aws_partition fetch_partition(const char *region)
{
	static const struct {
		const char *prefix;
		struct aws_partition p;
	} parts[] = {
		{ "cn-", { "aws-cn", "amazonaws.com.cn" } },
		{ "us-gov-", { "aws-us-gov", "amazonaws.com" } },
		{ "us-iso-", { "aws-iso", "c2s.ic.gov" } },
		{ "us-isob-", { "aws-iso-b", "sc2s.sgov.gov" } },
		{ "eu-isoe-", { "aws-iso-e", "cloud.adc-e.uk" } },
		{ "us-isof-", { "aws-iso-f", "csp.hci.ic.gov" } },
		{ "eusc-", { "aws-eusc", "amazonaws.eu" } },
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
		if (!strncmp(region, parts[i].prefix, strlen(parts[i].prefix)))
			return parts[i].p;
	return (struct aws_partition) { "aws", "amazonaws.com" };
}

int fetch_region_resolve(struct net *n, const char *given, const char *known, char *buf, size_t cap, struct bs_err *e)
{
	const char *v = given, *from = "--region";
	size_t len;
	int k;

	if (!v || !*v)
		v = n->aws_region, from = "AWS_REGION";
	if (!v || !*v)
		v = n->aws_default_region, from = "AWS_DEFAULT_REGION";
	if ((!v || !*v) && known && *known)
		v = known, from = "IMDS (identity document)";
	if (v && *v) {
		k = fetch_region_check(v, from, e);
		if (k < 0)
			return k;
		(void) snprintf(buf, cap, "%s", v); /* fits: checked above */
		return 0;
	}
	k = imds_get(n, "/latest/meta-data/placement/region", 0, buf, cap, &len, e);
	if (k < 0)
		return err_wrap(e, "no region given (--region, AWS_REGION, AWS_DEFAULT_REGION) and IMDS cannot tell it");
	buf[strcspn(buf, "\r\n")] = '\0';
	return fetch_region_check(buf, "IMDS", e);
}

static int load_creds(struct net *n, struct s3_ctx *c, struct bs_err *e)
{
	struct aws_creds *creds = &n->creds;
	const char *ak = n->access_key_id, *sk = n->secret_access_key;
	if (ak && *ak && sk && *sk) {
		const char *tk = n->session_token;
		(void) snprintf(creds->access_key, sizeof creds->access_key, "%s", ak);
		(void) snprintf(creds->secret_key, sizeof creds->secret_key, "%s", sk);
		(void) snprintf(creds->token, sizeof creds->token, "%s", tk ? tk : "");
	} else {
		int k = imds_role_creds(n, creds, e);
		if (k < 0)
			return err_wrap(e, "S3 credentials (no AWS_ACCESS_KEY_ID; instance role)");
	}
	c->akid = creds->access_key;
	c->secret = creds->secret_key;
	c->token = creds->token;
	return 0;
}

static int s3_url(const struct url *s3, const char *region, const char *ep, char *buf, size_t cap, struct bs_err *e)
{
	char key[URL_PATH_MAX * 3];
	size_t kl;
	int n;

	if (sigv4_uri_encode(s3->path, strlen(s3->path), true, key, sizeof key, &kl) < 0)
		return err_set(e, -ENAMETOOLONG, "S3 key too long");
	if (ep && *ep) {
		size_t el = strlen(ep);
		while (el && ep[el - 1] == '/')
			el--;
		n = snprintf(buf, cap, "%.*s/%s/%s", (int) el, ep, s3->host, key);
	} else if (strchr(s3->host, '.')) {
		/* a dotted bucket does not match the *.s3 wildcard certificate: path style */
		n = snprintf(buf, cap, "https://s3.%s.%s/%s/%s", region, fetch_partition(region).dns_suffix, s3->host, key);
	} else {
		n = snprintf(buf, cap, "https://%s.s3.%s.%s/%s", s3->host, region, fetch_partition(region).dns_suffix, key);
	}
	if (n < 0 || (size_t) n >= cap)
		return err_set(e, -ENAMETOOLONG, "S3 URL too long");
	return 0;
}

int fetch_url(struct net *n, const char *url, const struct fetch_opts *fo, const struct http_sink *s, struct http_resp *r,
	      struct bs_err *e)
{
	static char https[URL_HOST_MAX + URL_PATH_MAX * 4], region[256]; /* room to show a bad IMDS answer */
	struct http_opts o = { 0 };
	struct s3_ctx c = { 0 };
	const char *orig = url;
	struct url u;
	bool is_s3;
	int k;

	k = url_parse(url, &u, e);
	if (k < 0)
		return err_class(e, BS_EXIT_USAGE);
	is_s3 = u.scheme == URL_S3;
	o.net = n;
	o.bufs = &n->bufs;
	o.max_body = fo->max_body;
	o.max_attempts = fo->max_attempts;
	o.max_total_ms = fo->max_total_ms;
	if (is_s3) {
		k = fetch_region_resolve(n, fo->region, NULL, region, sizeof region, e);
		if (k < 0)
			return k;
		k = load_creds(n, &c, e);
		if (k < 0)
			return k;
		c.region = region;
		k = s3_url(&u, region, n->s3_endpoint, https, sizeof https, e);
		if (k < 0)
			return k;
		o.prepare = s3_sign;
		o.prepare_ctx = &c;
		url = https;
	}
	k = http_request(url, &o, s, r, e);
	if (k < 0)
		return k;
	if (r->status >= 200 && r->status <= 299)
		return 0;
	{
		char code[64];
		http_s3_error_code(r->err_body, code, sizeof code);
		return err_setx(e, r->status == 404 ? -ENOENT : -EACCES, r->status >= 500 ? BS_EXIT_TEMP : BS_EXIT_USAGE,
				"GET %s: HTTP %d%s%s", is_s3 ? orig : r->final_url, r->status, code[0] ? " " : "", code);
	}
}
