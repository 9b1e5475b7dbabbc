/* net.h: the network context of a run, owned by its caller and passed to every call that
 * goes to the network (http.h, imds.h, fetch.h).
 *
 * Library code reads no environment variable: what the environment says about the
 * network is read once by the program (src/cli.c) into the first part; the second part
 * is what the run learns on the way (the IMDS session token, the credentials S3 requests
 * are signed with), with the buffers and the TLS context its requests work in.  A zeroed
 * struct net is valid: no proxy, default timeouts, IMDS at
 * http://169.254.169.254 (IMDSv2 only), the system's CA bundle, no static credentials.
 */
#ifndef BS_NET_H
#define BS_NET_H

#include <stdbool.h>

#include "http_parse.h"
#include "tls_ctx.h"

#define HTTP_REQ_MAX (16 * 1024)
#define HTTP_IO_MAX (64 * 1024)
#define HTTP_SEND_MAX (1024 * 1024) /* big writes: Docker reads a load stream faster that way */

/* The buffers an HTTP request works in (http.h), the caller's: struct net holds one, struct
 * docker another, so two clients never share a buffer by accident.  About 1.2 MiB, of which
 * a request touches what it uses (send: only a body streamed from a file that sendfile cannot
 * take). */
struct http_bufs {
	char req[HTTP_REQ_MAX];            /* the request head */
	char head[1024 + HTTP_HEAD_MAX];   /* a response head (a proxy's CONNECT answer first) */
	char io[HTTP_IO_MAX];              /* body reads */
	char send[HTTP_SEND_MAX];          /* a body copied from a file */
	struct http_resp proxy;            /* the proxy's CONNECT answer */
};

struct aws_creds {
	char access_key[128];
	char secret_key[256];
	char token[4096];
	char expiration[64];
};

struct net {
	/* What the environment says (NULL or 0: not set). */
	const char *https_proxy;         /* HTTPS_PROXY, https_proxy */
	const char *http_proxy;          /* http_proxy, HTTP_PROXY */
	const char *no_proxy;            /* NO_PROXY, no_proxy */
	int io_timeout_ms;               /* ECS_BOOTSTRAP_HTTP_TIMEOUT; 0: 30 s */
	const char *ssl_cert_file;       /* AWS_CA_BUNDLE, else SSL_CERT_FILE: the CA bundle instead of the system's */
	const char *ssl_cert_var;        /* which of the two named it, for errors */
	const char *imds_endpoint;       /* AWS_EC2_METADATA_SERVICE_ENDPOINT */
	bool imds_disabled;              /* AWS_EC2_METADATA_DISABLED=true */
	bool imds_v1_allowed;            /* ECS_BOOTSTRAP_IMDS_V1=1 */
	const char *aws_region;          /* AWS_REGION */
	const char *aws_default_region;  /* AWS_DEFAULT_REGION */
	const char *s3_endpoint;         /* AWS_ENDPOINT_URL_S3 */
	const char *access_key_id;       /* AWS_ACCESS_KEY_ID */
	const char *secret_access_key;   /* AWS_SECRET_ACCESS_KEY */
	const char *session_token;       /* AWS_SESSION_TOKEN */

	struct http_bufs bufs;           /* what the requests through this context work in */
	struct tls tls;                  /* the trust anchors and the TLS session (tls_ctx.h) */

	/* What the run learns (imds.c and fetch.c keep it here; never logged). */
	char imds_token[256];
	long long imds_token_expiry;     /* monotonic seconds */
	bool imds_v1;                    /* the token PUT was refused and v1 is allowed */
	struct aws_creds creds;
};

#endif
