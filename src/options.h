/* options.h: the options a run was given, saved on the host so that `agent` (ecs.service)
 * and later runs converge to the same thing.
 *
 * /etc/ecs-bootstrap/options holds, in env-file syntax, every option that changes what a
 * step converges to and is not already kept elsewhere (--cluster and --set live in
 * ecs.config): ECS_BOOTSTRAP_METHOD, _REGION, _CONFIG_URL, _AGENT_VERSION, _AGENT_URL,
 * _KEYRING (one line per file) and _BLOCK_IMDS.  A --keyring file is copied beside it
 * (keyring-N.gpg), so a key given from /tmp still verifies after a reboot.  Mode 0600 when a
 * URL in it carries credentials (user info or a query string, as presigned URLs do).
 *
 * Precedence: defaults < the saved file < environment < command line.  `run` and `bake`
 * save what they were given (the "options" step, after agent-image: a run that fails before
 * it saves nothing); `agent`, `plan` and `status` only read.
 * A given empty value (--agent-url=, --region=, --config-url=, --keyring=), --agent-version
 * latest, --method auto and --no-block-imds go back to the default.  --wait, --refresh,
 * --no-start, --lock-timeout, --root and -v are per invocation and never saved. */
#ifndef BS_OPTIONS_H
#define BS_OPTIONS_H

#include <stdbool.h>

#include "lib/sha256.h"
#include "run.h"

#define PATH_OPTIONS_DIR "/etc/ecs-bootstrap"
#define PATH_OPTIONS     "/etc/ecs-bootstrap/options"

/* Fill every option not given (command line or environment) from the saved file, then
 * normalise defaults and validate.  < 0 with r->err (exit 100 naming the file's line). */
int options_merge(struct run *r);

/* The "options" step. */
void options_inputs(struct run *r, struct sha256_ctx *h);
int options_check(struct run *r);
int options_apply(struct run *r);

/* `ecs-bootstrap options [--show-secrets]`: the saved options, one KEY=VALUE a line, URLs
 * with credentials masked unless show_secrets. */
int cmd_options(struct run *r, bool show_secrets);

/* true if url carries credentials: user info before the host or a query string. */
bool options_url_secret(const char *url);

#endif
