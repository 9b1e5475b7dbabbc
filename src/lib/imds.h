/* imds.h: the EC2 instance metadata service, IMDSv2 only (unless asked otherwise).
 *
 * A session token is PUT to /latest/api/token with a TTL of 21600 s, kept in the caller's
 * struct net (net.h), re-fetched when it expires or when IMDS answers 401.  The AWS SDK's
 * settings, as the context holds them: the endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT,
 * default http://169.254.169.254), disabled (AWS_EC2_METADATA_DISABLED=true: every call
 * fails with -ENODEV).  IMDSv1 (no token) is used only when imds_v1_allowed
 * (ECS_BOOTSTRAP_IMDS_V1=1) and the token PUT is refused.  Never through a proxy; short
 * timeouts; a few retries.
 */
#ifndef BS_IMDS_H
#define BS_IMDS_H

#include <stddef.h>

#include "../err.h"
#include "net.h"

/* GET path ("/latest/meta-data/...") into buf (NUL-terminated).  attempts: 0 for the
 * default (3); 1 for a single quick try.  0, or < 0 with e naming IMDS (exit 111 when
 * unreachable, -ENODEV when disabled, -ENOENT for a 404). */
int imds_get(struct net *n, const char *path, int attempts, char *buf, size_t cap, size_t *ret_len, struct bs_err *e);

/* The instance role's temporary credentials. */
int imds_role_creds(struct net *n, struct aws_creds *c, struct bs_err *e);

#endif
