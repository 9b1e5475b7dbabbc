/* fetch.h: GET a URL of any supported kind into a sink: https:// and http:// directly,
 * s3://BUCKET/KEY through the S3 REST API with SigV4 (credentials from
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN], else the instance role
 * via IMDSv2; region from the caller, AWS_REGION, AWS_DEFAULT_REGION, else IMDS; endpoint
 * https://BUCKET.s3.REGION.amazonaws.com/KEY, path style for dotted buckets and for
 * AWS_ENDPOINT_URL_S3).  A non-2xx answer is an error naming the status and, for S3,
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

int fetch_url(const char *url, const struct fetch_opts *fo, const struct http_sink *s, struct http_resp *r,
	      struct bs_err *e);

#endif
