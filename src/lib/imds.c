/* imds.c: see imds.h. */
#include "imds.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "json.h"
#include "clock.h"

#define TOKEN_TTL 21600
#define IMDS_BODY_MAX 65536

static const char *endpoint(const struct net *n)
{
	return n->imds_endpoint && *n->imds_endpoint ? n->imds_endpoint : "http://169.254.169.254";
}

static void forget_token(struct net *n)
{
	explicit_bzero(n->imds_token, sizeof n->imds_token);
	n->imds_token_expiry = 0;
}

static void base_opts(struct net *n, struct http_opts *o, int attempts)
{
	memset(o, 0, sizeof *o);
	o->bufs = &n->bufs;
	o->connect_timeout_ms = attempts == 1 ? 500 : 1000;
	o->io_timeout_ms = 2000;
	o->max_attempts = attempts ? attempts : 3;
	o->max_total_ms = 10000;
	o->max_redirects = -1;
	o->no_proxy = true;
	o->max_body = IMDS_BODY_MAX;
}

static int get_token(struct net *n, int attempts, struct bs_err *e)
{
	static struct http_resp r;
	char *token = n->imds_token;
	struct http_mem m;
	struct http_sink s;
	struct http_opts o;
	char url[512];
	int k;

	if (token[0] && (clock_ms() / 1000) < n->imds_token_expiry)
		return 0;
	http_mem_sink(&s, &m, token, sizeof n->imds_token);
	base_opts(n, &o, attempts);
	o.method = "PUT";
	o.headers = "X-aws-ec2-metadata-token-ttl-seconds: 21600\r\n";
	(void) snprintf(url, sizeof url, "%s/latest/api/token", endpoint(n));
	k = http_request(url, &o, &s, &r, e);
	if (k < 0) {
		token[0] = '\0';
		return err_wrap(e, "IMDS token from %s", endpoint(n));
	}
	if (r.status != 200 || m.len == 0) {
		token[0] = '\0';
		if ((r.status == 403 || r.status == 404 || r.status == 405) && n->imds_v1_allowed) {
			n->imds_v1 = true; /* asked for: IMDSv1 */
			return 0;
		}
		return err_setx(e, -EACCES, BS_EXIT_TEMP, "IMDS token PUT to %s: HTTP %d (IMDSv2 required; set ECS_BOOTSTRAP_IMDS_V1=1 to allow v1)",
				endpoint(n), r.status);
	}
	n->imds_token_expiry = (clock_ms() / 1000) + TOKEN_TTL - 60;
	return 0;
}

int imds_get(struct net *n, const char *path, int attempts, char *buf, size_t cap, size_t *ret_len, struct bs_err *e)
{
	static struct http_resp r;
	struct http_mem m;
	struct http_sink s;
	struct http_opts o;
	char url[512], hdr[512];
	int k;

	if (n->imds_disabled)
		return err_setx(e, -ENODEV, BS_EXIT_USAGE, "IMDS is disabled (AWS_EC2_METADATA_DISABLED=true)");
	http_mem_sink(&s, &m, buf, cap);
	for (int tries = 0; tries < 2; tries++) {
		k = get_token(n, attempts, e);
		if (k < 0)
			return k;
		base_opts(n, &o, attempts);
		if (!n->imds_v1) {
			(void) snprintf(hdr, sizeof hdr, "X-aws-ec2-metadata-token: %s\r\n", n->imds_token);
			o.headers = hdr;
		}
		(void) snprintf(url, sizeof url, "%s%s", endpoint(n), path);
		k = http_request(url, &o, &s, &r, e);
		if (k < 0)
			return err_wrap(e, "IMDS GET %s", path);
		if (r.status == 401 && !n->imds_v1) { /* the token expired or IMDS restarted: get a new one, once */
			forget_token(n);
			continue;
		}
		if (r.status == 404)
			return err_setx(e, -ENOENT, BS_EXIT_USAGE, "IMDS GET %s: not found (404)", path);
		if (r.status != 200)
			return err_setx(e, -EIO, BS_EXIT_TEMP, "IMDS GET %s: HTTP %d", path, r.status);
		if (ret_len)
			*ret_len = m.len;
		return 0;
	}
	return err_setx(e, -EACCES, BS_EXIT_TEMP, "IMDS GET %s: token refused twice (401)", path);
}

int imds_role_creds(struct net *n, struct aws_creds *c, struct bs_err *e)
{
	static char body[IMDS_BODY_MAX], role[256], path[512];
	static jsmntok_t tok[64];
	struct json j;
	size_t len = 0;
	int k;

	k = imds_get(n, "/latest/meta-data/iam/security-credentials/", 0, role, sizeof role, &len, e);
	if (k == -ENOENT)
		return err_setx(e, k, BS_EXIT_USAGE, "this instance has no IAM role (IMDS has no security-credentials)");
	if (k < 0)
		return k;
	role[strcspn(role, "\r\n")] = '\0';
	if (!role[0] || strchr(role, '/'))
		return err_setx(e, -EBADMSG, BS_EXIT_TEMP, "IMDS: bad role name");
	(void) snprintf(path, sizeof path, "/latest/meta-data/iam/security-credentials/%s", role);
	k = imds_get(n, path, 0, body, sizeof body, &len, e);
	if (k < 0)
		return k;
	if (json_parse(&j, body, len, tok, sizeof tok / sizeof tok[0], e) < 0) {
		err_class(e, BS_EXIT_TEMP);
		return err_wrap(e, "IMDS credentials of role %s", role);
	}
	if (json_get_string(&j, 0, "AccessKeyId", c->access_key, sizeof c->access_key) <= 0 ||
	    json_get_string(&j, 0, "SecretAccessKey", c->secret_key, sizeof c->secret_key) <= 0)
		return err_setx(e, -EBADMSG, BS_EXIT_TEMP, "IMDS credentials of role %s: AccessKeyId or SecretAccessKey missing", role);
	if (json_get_string(&j, 0, "Token", c->token, sizeof c->token) < 0)
		c->token[0] = '\0';
	if (json_get_string(&j, 0, "Expiration", c->expiration, sizeof c->expiration) < 0)
		c->expiration[0] = '\0';
	explicit_bzero(body, sizeof body);
	return 0;
}
