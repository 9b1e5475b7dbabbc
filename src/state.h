/* state.h: checkpoints, scope keys and the run lock.
 *
 * A checkpoint is <root>/var/lib/ecs-bootstrap/state/<step>, a few KEY=VALUE lines:
 *     step=<name>  fingerprint=<sha256 of the step's inputs>  scope=<boot|instance|once>
 *     scope_id=<boot id | instance id | ->  time=<unix seconds of the last convergence>
 * written atomically (fileio_write_atomic).  It is valid when the fingerprint and the
 * current scope id match.  A checkpoint only lets a step skip an expensive check;
 * cheap checks always look at the machine.
 *
 * Scope ids: boot id from /proc/sys/kernel/random/boot_id; instance id from IMDS when
 * it answers at once (one try, 500 ms), else cloud-init's /var/lib/cloud/data/instance-id,
 * else /etc/machine-id.
 */
#ifndef BS_STATE_H
#define BS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"

enum bs_scope { SCOPE_RUN, SCOPE_BOOT, SCOPE_INSTANCE, SCOPE_ONCE };

struct state_cp {
	bool exists;
	bool valid;           /* fingerprint and scope id match */
	char fingerprint[65];
	char scope_id[128];
	long long time;
	const char *stale;    /* why not valid: "inputs changed", "other boot", ... */
};

struct run;

const char *state_scope_name(enum bs_scope s);

/* Fill r->boot_id and r->instance_id (+source).  Missing sources are not errors:
 * the id stays "unknown" and per-scope checkpoints never validate. */
void state_load_ids(struct run *r);

/* Read the checkpoint of step and compare it with fingerprint/scope.
 * 0 (cp filled, exists=false when missing), or < 0 on I/O errors. */
int state_read(struct run *r, const char *step, enum bs_scope scope, const char *fingerprint,
	       struct state_cp *cp, struct bs_err *e);

/* Write the checkpoint of step now. */
int state_write(struct run *r, const char *step, enum bs_scope scope, const char *fingerprint,
		struct bs_err *e);

/* Remove the checkpoint of step (missing is fine). */
int state_forget(struct run *r, const char *step, struct bs_err *e);

/* Take the run lock, flock(LOCK_EX) on <root>/run/ecs-bootstrap.lock, waiting at most
 * timeout_ms.  Returns the fd (kept open until exit) or -EBUSY (exit 111) / -errno. */
int state_lock(struct run *r, int timeout_ms, struct bs_err *e);

#endif
