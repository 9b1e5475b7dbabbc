/* steps.c: THE table of steps, in order, and the runner.  Read this first.
 *
 * Order matters; each step may rely on the ones above it.  Names are stable: they
 * are log tags, checkpoint file names (/var/lib/ecs-bootstrap/state/<name>) and
 * arguments of `reset`; renaming one is a compatibility change (checklist: README,
 * test-vm/sandbox scripts). */
#include "steps.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_container.h"
#include "lib/fault.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "log.h"
#include "options.h"
#include "lib/clock.h"

#define AB (STEP_AT_AGENT | STEP_AT_BAKE)
static const struct bs_step steps[] = {
	{ "preflight",  SCOPE_RUN,      STEP_READONLY | AB, NULL,       preflight_check,  NULL, preflight_method },
	{ "sysctl",     SCOPE_BOOT,     AB,            sysctl_inputs,     sysctl_check,     sysctl_apply, NULL },
	{ "nat",        SCOPE_BOOT,     STEP_AT_AGENT, nat_inputs,        nat_check,        nat_apply, NULL },
	{ "ecs-config", SCOPE_INSTANCE, STEP_AT_BAKE,  ecs_config_inputs, ecs_config_check, ecs_config_apply,
	  ecs_config_prepare },
	/* before the steps that talk to Docker; after those that do not need it (nat makes
	 * DOCKER-USER itself), so a tree without Docker (--root) still converges them */
	{ "docker",     SCOPE_BOOT,     STEP_AT_BAKE,  NULL,              docker_check,     docker_apply, NULL },
	{ "agent-image", SCOPE_ONCE,    AB,            agent_image_inputs, agent_image_check, agent_image_apply,
	  agent_image_prepare },
	/* after the steps that use what it saves: a run that fails there saves nothing, and
	 * before service, whose unit's `agent` reads what it saved */
	{ "options",    SCOPE_ONCE,     STEP_AT_BAKE,  options_inputs,    options_check,    options_apply, NULL },
	{ "host-dirs",  SCOPE_ONCE,     AB,            host_dirs_inputs,  host_dirs_check,  host_dirs_apply, NULL },
	{ "service",    SCOPE_BOOT,     STEP_AT_BAKE,  service_inputs,    service_check,    service_apply, NULL },
	{ "wait",       SCOPE_RUN,      STEP_READONLY | STEP_UNLOCKED, NULL, wait_check,    NULL, NULL },
};
#undef AB
#define N_STEPS (sizeof steps / sizeof steps[0])

/* Bump when a step's notion of "converged" changes, so old checkpoints go stale. */
#define STEPS_LOGIC_VERSION "1"

const char *steps_name(unsigned i)
{
	return i < N_STEPS ? steps[i].name : NULL;
}

static void fingerprint(struct run *r, const struct bs_step *s, char out[65])
{
	struct sha256_ctx h;
	sha256_init(&h);
	sha256_update_str(&h, STEPS_LOGIC_VERSION);
	sha256_update_str(&h, s->name);
	if (s->inputs)
		s->inputs(r, &h);
	sha256_hex(&h, out);
}

/* Prepare r for s: reset per-step fields and load the checkpoint.  < 0 on I/O error. */
static int begin(struct run *r, const struct bs_step *s, char fp[65], struct state_cp *cp)
{
	r->why[0] = r->done[0] = '\0';
	r->cp_valid = false;
	memset(cp, 0, sizeof *cp);
	if (s->flags & STEP_READONLY)
		return 0;
	fingerprint(r, s, fp);
	if (state_read(r, s->name, s->scope, fp, cp, &r->err) < 0)
		return r->err.code;
	r->cp_valid = cp->valid;
	return 0;
}

/* The step failed: say so in its progress; main reports the error (r->err), naming it. */
static int fail(struct run *r, const struct bs_step *s)
{
	log_msg(LOG_INFO, s->name, "[failed]");
	r->failed = s->name;
	return r->err.code < 0 ? r->err.code : -EIO;
}

static int one(struct run *r, const struct bs_step *s, int *changed)
{
	struct state_cp cp;
	char fp[65];
	long long t0 = clock_ms();
	int k;

	log_msg(LOG_INFO, s->name, "[started]");
	FAULT_POINT_AT("step-begin", s->name);
	if (begin(r, s, fp, &cp) < 0)
		return fail(r, s);
	k = s->check(r);
	if (k < 0)
		return fail(r, s);
	if (s->flags & STEP_READONLY) {
		log_msg(LOG_INFO, s->name, "[finished] %s (%lld ms)", r->done, clock_ms() - t0);
		return 0;
	}
	if (k > 0) {
		/* Converged already: refresh a stale checkpoint so status tells the truth. */
		if (!cp.valid && state_write(r, s->name, s->scope, fp, &r->err) < 0)
			return fail(r, s);
		log_msg(LOG_INFO, s->name, "[skipped] already converged%s%s", r->done[0] ? ": " : "", r->done);
		return 0;
	}
	log_msg(LOG_DEBUG, s->name, "needs change: %s", r->why);
	if (s->apply(r) < 0)
		return fail(r, s);
	FAULT_POINT_AT("step-applied", s->name);
	/* Verify: apply() claiming success is not enough.  apply() made the state for the
	 * current inputs, so the checkpoint it is about to get counts as valid here. */
	r->why[0] = '\0';
	r->cp_valid = true;
	k = s->check(r);
	if (k < 0)
		return fail(r, s);
	if (k == 0) {
		err_setx(&r->err, -EPROTO, BS_EXIT_INTERNAL, "still not converged after apply: %s", r->why);
		return fail(r, s);
	}
	/* Checkpoint only after the machine is verified: never a marker before the truth. */
	if (state_write(r, s->name, s->scope, fp, &r->err) < 0)
		return fail(r, s);
	FAULT_POINT_AT("step-done", s->name);
	(*changed)++;
	log_msg(LOG_INFO, s->name, "[finished] %s%s(%lld ms)", r->done, r->done[0] ? " " : "", clock_ms() - t0);
	return 0;
}

int steps_prepare(struct run *r)
{
	for (size_t i = 0; i < N_STEPS; i++) {
		long long t0 = clock_ms();
		int k;
		if (!steps[i].prepare)
			continue;
		k = steps[i].prepare(r);
		if (k < 0)
			return r->failed = steps[i].name, k;
		log_msg(LOG_DEBUG, steps[i].name, "prepared (%lld ms)", clock_ms() - t0);
	}
	return 0;
}

int steps_run(struct run *r)
{
	long long t0 = clock_ms();
	int changed = 0, code;

	for (size_t i = 0; i < N_STEPS; i++) {
		if ((steps[i].flags & STEP_UNLOCKED) && r->lock_fd >= 0) {
			struct bs_err e;
			/* every stateful step converged on this instance: an image's bake marker has
			 * done its work (cmd_agent waits for it to go), before --wait waits */
			if (fileio_unlink(r->root_fd, PATH_BAKED, &e) < 0)
				log_msg(LOG_WARNING, NULL, "%s (ecs.service's agent waits for cloud-init to finish instead)", e.msg);
			(void) close(r->lock_fd);
			r->lock_fd = -1;
		}
		code = one(r, &steps[i], &changed);
		if (code)
			return code;
	}
	log_msg(LOG_INFO, NULL, "converged: %zu steps, %d changed (%lld ms)", N_STEPS, changed, clock_ms() - t0);
	return BS_EXIT_OK;
}

int steps_run_phase(struct run *r, unsigned phase)
{
	int changed = 0, code = BS_EXIT_OK, fd = state_lock(r, r->lock_timeout_ms, &r->err);

	if (fd < 0)
		return fd;
	for (size_t i = 0; i < N_STEPS && code == BS_EXIT_OK; i++)
		if (steps[i].flags & phase)
			code = one(r, &steps[i], &changed);
	(void) close(fd); /* the lock: `run` may go on while the agent runs */
	return code;
}

int steps_forget_instance(struct run *r)
{
	char names[128] = "";
	size_t len = 0;

	for (size_t i = 0; i < N_STEPS; i++) {
		if (steps[i].scope != SCOPE_BOOT && steps[i].scope != SCOPE_INSTANCE)
			continue;
		if (state_forget(r, steps[i].name, &r->err) < 0)
			return r->err.code;
		len += (size_t) snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", steps[i].name);
		if (len >= sizeof names)
			len = sizeof names - 1;
	}
	log_msg(LOG_INFO, "bake", "removed: the boot- and instance-scoped checkpoints (%s)", names);
	return 0;
}

/* One step of `plan --json` or `status --json`: {"name": ..., "state": ..., ["scope": ...,
 * "checkpoint": ...,] "detail": ...}. */
static void json_step(const struct bs_step *s, bool first, const char *state, const char *scope, const char *when,
		      const char *detail)
{
	printf("%s\n    {\"name\": ", first ? "" : ",");
	json_write_string(stdout, s->name);
	printf(", \"state\": ");
	json_write_string(stdout, state);
	if (scope) {
		printf(", \"scope\": ");
		json_write_string(stdout, scope);
		printf(", \"checkpoint\": ");
		json_write_string(stdout, when);
	}
	printf(", \"detail\": ");
	json_write_string(stdout, detail);
	putchar('}');
}

int steps_plan(struct run *r)
{
	int pending = 0, k = 0;
	size_t i;

	if (r->json)
		printf("{\"schema\": 1, \"command\": \"plan\", \"steps\": [");
	for (i = 0; i < N_STEPS; i++) {
		const struct bs_step *s = &steps[i];
		struct state_cp cp;
		char fp[65];

		k = begin(r, s, fp, &cp);
		if (k >= 0)
			k = s->check(r);
		if (k < 0)
			break;
		if (r->json)
			json_step(s, i == 0, s->flags & STEP_READONLY ? "ok" : k > 0 ? "converged" : "pending", NULL, NULL,
				  s->flags & STEP_READONLY ? r->done : k > 0 ? "" : r->why);
		else if (s->flags & STEP_READONLY)
			printf("%-12s ok: %s\n", s->name, r->done);
		else if (k > 0)
			printf("%-12s converged\n", s->name);
		else
			printf("%-12s would change: %s\n", s->name, r->why);
		pending += k == 0 && !(s->flags & STEP_READONLY);
	}
	if (r->json) {
		/* a step that cannot be checked ends the plan: its error, and the exit code */
		if (k < 0)
			json_step(&steps[i], i == 0, "failed", NULL, NULL, r->err.msg);
		printf("\n  ], \"pending\": %d, \"exit\": %d}\n", pending,
		       k < 0 ? err_exit_code(&r->err) : pending ? BS_EXIT_PENDING : BS_EXIT_OK);
	}
	if (k < 0)
		return fail(r, &steps[i]);
	return pending ? BS_EXIT_PENDING : BS_EXIT_OK;
}

int steps_status(struct run *r)
{
	int not_ok = 0;

	if (r->json)
		printf("{\"schema\": 1, \"command\": \"status\", \"steps\": [");
	else
		printf("%-12s %-10s %-9s %-21s %s\n", "STEP", "STATE", "SCOPE", "CHECKPOINT", "DETAIL");
	for (size_t i = 0; i < N_STEPS; i++) {
		const struct bs_step *s = &steps[i];
		struct state_cp cp;
		char fp[65], when[32] = "-";
		const char *state, *detail;
		int k;

		err_clear(&r->err);
		k = begin(r, s, fp, &cp);
		if (k >= 0)
			k = s->check(r);
		if (cp.exists)
			clock_utc(cp.time, false, when);
		if (k < 0)
			state = "failed", detail = r->err.msg;
		else if (s->flags & STEP_READONLY)
			state = "ok", detail = r->done;
		else if (k > 0)
			state = "converged", detail = cp.valid ? r->done : cp.stale;
		else
			state = "pending", detail = r->why;
		if (k < 0 || (k == 0 && !(s->flags & STEP_READONLY)))
			not_ok++;
		if (r->json)
			json_step(s, i == 0, state, state_scope_name(s->scope), cp.exists ? when : NULL, detail);
		else
			printf("%-12s %-10s %-9s %-21s %s\n", s->name, state, state_scope_name(s->scope), when, detail);
	}
	if (r->json) {
		struct agent_state a;
		agent_state_get(r, &a);
		printf("\n  ], \"agent\": {\"state\": ");
		json_write_string(stdout, a.state);
		if (!strcmp(a.state, "exited"))
			printf(", \"exit_code\": %d", a.exit_code);
		printf(", \"detail\": ");
		json_write_string(stdout, a.detail);
		printf("}, \"not_ok\": %d, \"exit\": %d}\n", not_ok, not_ok ? BS_EXIT_PENDING : BS_EXIT_OK);
	} else {
		agent_status(r);
	}
	return not_ok ? BS_EXIT_PENDING : BS_EXIT_OK;
}

int steps_reset(struct run *r, char *const names[], int n)
{
	for (int j = 0; j < n; j++) {
		bool known = false;
		for (size_t i = 0; i < N_STEPS; i++)
			known |= strcmp(names[j], steps[i].name) == 0 && !(steps[i].flags & STEP_READONLY);
		if (!known)
			return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE, "reset: no step named '%s' has a checkpoint", names[j]);
	}
	for (size_t i = 0; i < N_STEPS; i++) {
		bool want = n == 0;
		if (steps[i].flags & STEP_READONLY)
			continue;
		for (int j = 0; j < n; j++)
			want |= strcmp(names[j], steps[i].name) == 0;
		if (!want)
			continue;
		if (state_forget(r, steps[i].name, &r->err) < 0)
			return r->failed = steps[i].name, r->err.code;
		log_msg(LOG_INFO, steps[i].name, "checkpoint forgotten");
	}
	return BS_EXIT_OK;
}
