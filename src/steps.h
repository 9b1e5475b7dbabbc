/* steps.h: the step contract and the runner.  The table itself is in steps.c. */
#ifndef BS_STEPS_H
#define BS_STEPS_H

#include "lib/sha256.h"
#include "run.h"
#include "state.h"

/* A step converges one piece of machine state.  check() and apply() must be safe to
 * call any number of times, including after a crash half-way through apply().
 *   check: 1 = converged, 0 = needs apply (reason in r->why), < 0 = -errno (r->err)
 *   apply: 0 = ok (optionally r->done says what changed), < 0 = -errno (r->err)
 *   inputs: feeds everything the converged state depends on into the fingerprint.
 * A step with flags STEP_READONLY owns nothing: check() gathers facts and either
 * returns 1 or fails; it has no apply and no checkpoint.  A step with STEP_UNLOCKED runs
 * after `run` has released its lock (and so must be the last ones, and own nothing): wait
 * does, because the agent it waits for (ecs.service's `ecs-bootstrap agent`) takes the lock
 * to re-apply the per-boot steps first; holding it would stall both until --wait ran out. */
struct bs_step {
	const char *name;    /* stable: log tag and checkpoint file name */
	enum bs_scope scope; /* which checkpoints stay valid across boots and instances */
	unsigned flags;
	void (*inputs)(struct run *r, struct sha256_ctx *h);
	int (*check)(struct run *r);
	int (*apply)(struct run *r);
	/* before any step runs (steps_prepare): work out what the step will want, so bad
	 * input fails before anything changes and later steps can read it.  0 or < 0. */
	int (*prepare)(struct run *r);
};

#define STEP_READONLY 1u
#define STEP_UNLOCKED 2u
#define STEP_AT_AGENT 4u /* `agent` (ecs.service) re-applies it before it starts the agent */
#define STEP_AT_BAKE 8u  /* `bake` converges it into the image */

/* The prepare phase, for every command that goes through the steps: each step's prepare,
 * in table order (logged at debug level).  0, or < 0 with r->err naming the step. */
int steps_prepare(struct run *r);

/* run: each step in order: [started], check, apply, check again, checkpoint,
 * [finished]/[skipped]/[failed].  Stops at the first failure.  Returns an exit code. */
int steps_run(struct run *r);

/* Run the steps whose flags have phase (STEP_AT_AGENT, STEP_AT_BAKE), in table order,
 * holding the run lock while they run.  Returns an exit code. */
int steps_run_phase(struct run *r, unsigned phase);

/* bake: forget the checkpoints valid for one boot or one instance (logged).  0 or < 0. */
int steps_forget_instance(struct run *r);

/* plan: check every step, print "converged" or "would change: why".  0 or 1 (or error code). */
int steps_plan(struct run *r);

/* status: a table of every step (state, scope, checkpoint).  0 all converged, 1 otherwise. */
int steps_status(struct run *r);

/* reset: forget the checkpoints of the named steps (all when n == 0).  Exit code. */
int steps_reset(struct run *r, char *const names[], int n);

/* The step names, for --help.  NULL-terminated iteration via index. */
const char *steps_name(unsigned i);

/* The steps, one file each (step_<name>.c).  Checklist when adding one: the table in
 * steps.c, README's step list, test-vm/sandbox assertions. */
int preflight_check(struct run *r);
/* Before the steps: /etc/os-release and --method decide r->package (errors left to
 * preflight's check; always 0). */
int preflight_method(struct run *r);
void sysctl_inputs(struct run *r, struct sha256_ctx *h);
int sysctl_check(struct run *r);
int sysctl_apply(struct run *r);
void nat_inputs(struct run *r, struct sha256_ctx *h);
int nat_check(struct run *r);
int nat_apply(struct run *r);
void ecs_config_inputs(struct run *r, struct sha256_ctx *h);
int ecs_config_check(struct run *r);
int ecs_config_apply(struct run *r);
void agent_image_inputs(struct run *r, struct sha256_ctx *h);
int agent_image_check(struct run *r);
int agent_image_apply(struct run *r);
void host_dirs_inputs(struct run *r, struct sha256_ctx *h);
int host_dirs_check(struct run *r);
int host_dirs_apply(struct run *r);
int wait_check(struct run *r);
int docker_check(struct run *r);
int docker_apply(struct run *r);
/* true if the cluster the agent reports (name or ARN) is the one ecs.config names. */
bool wait_same_cluster(const char *agent, const char *want);
void service_inputs(struct run *r, struct sha256_ctx *h);
int service_check(struct run *r);
int service_apply(struct run *r);
/* The agent exited 42: load the update it downloaded (/var/cache/ecs/desired-image names it)
 * if it verifies against the trust set with the configured source's signature.  1: loaded
 * and tagged; 0: nothing to load, or refused (logged; the update removed); < 0: a failure
 * to make it the cache or to load it (r->err). */
int agent_image_update(struct run *r);
/* Compute the agent's download URL (region, version, architecture) before any step. */
int agent_image_prepare(struct run *r);
/* Read the existing ecs.config and render the new one into r (before any step runs,
 * so bad configuration fails before anything changes, and nat sees the knobs). */
int ecs_config_prepare(struct run *r);

#endif
