/* fetch.h: GET a URL of any supported kind into a sink: https:// and http:// directly,
 * s3://BUCKET/KEY through the S3 REST API with SigV4 (credentials: the context's
 * access_key_id/secret_access_key[/session_token] (AWS_ACCESS_KEY_ID, ...), else the
 * instance role via IMDSv2; region from the caller, AWS_REGION, AWS_DEFAULT_REGION, else
 * IMDS; endpoint https://BUCKET.s3.REGION.SUFFIX/KEY (SUFFIX: the region's partition's, as
 * amazonaws.com.cn for cn-*: fetch_partition), path style for dotted buckets
 * and for s3_endpoint (AWS_ENDPOINT_URL_S3); the region is checked first, wherever it came
 * from).  The context (net.h) is the caller's: it also carries proxies and the CA bundle.  The key
 * is taken as written (see url.h) and percent-encoded once on the request line, which
 * is also the canonical URI signed.  A non-2xx answer is an error naming the status and, for S3,
 * the error code (AccessDenied, NoSuchKey, SignatureDoesNotMatch, ...): 4xx are
 * configuration errors (exit 100), exhausted retries temporary (111). */
#ifndef BS_FETCH_H
#define BS_FETCH_H

#include "http.h"

struct fetch_opts {
	const char *region;   /* s3: NULL for the default chain */
	long long max_body;   /* 0: unlimited */
	int max_attempts;     /* 0: http default */
	int max_total_ms;     /* 0: http default */
};

int fetch_url(struct net *n, const char *url, const struct fetch_opts *fo, const struct http_sink *s, struct http_resp *r,
	      struct bs_err *e);

#define FETCH_REGION_MAX 40

/* The one check of a region name before it goes into an S3 host name or a signature
 * scope (from --region, the environment or IMDS): lowercase letters, digits and
 * hyphens, a letter first, no hyphen last, at most FETCH_REGION_MAX bytes (us-east-1,
 * cn-north-1, us-gov-west-1, eu-isoe-west-1).  0, or -EINVAL (exit 100) with e naming
 * the region (made printable) and from, where it came from ("--region", "AWS_REGION",
 * "IMDS"). */
int fetch_region_check(const char *region, const char *from, struct bs_err *e);

/* The partition a checked region belongs to and its DNS suffix, as AWS names them (the SDKs'
 * partitions.json): cn-* aws-cn amazonaws.com.cn; us-gov-* aws-us-gov amazonaws.com; us-iso-*
 * aws-iso c2s.ic.gov; us-isob-* aws-iso-b sc2s.sgov.gov; eu-isoe-* aws-iso-e cloud.adc-e.uk;
 * us-isof-* aws-iso-f csp.hci.ic.gov; eusc-* aws-eusc amazonaws.eu; any other aws
 * amazonaws.com.  S3's host for the region is s3.REGION.SUFFIX. */
struct aws_partition {
	const char *name;
	const char *dns_suffix;
};
struct aws_partition fetch_partition(const char *region);

/* The one region resolution: given (--region), else n's AWS_REGION, else AWS_DEFAULT_REGION,
 * else known (the identity document's region, when IMDS gave it; may be NULL), else IMDS's
 * placement/region; checked with fetch_region_check.  0 with the region in buf, or < 0. */
int fetch_region_resolve(struct net *n, const char *given, const char *known, char *buf, size_t cap, struct bs_err *e);

#endif
