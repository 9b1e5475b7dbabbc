/* main.c: argv/env -> struct run -> steps -> exit code.  No logic lives here. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "log.h"
#include "options.h"
#include "state.h"
#include "steps.h"

static struct run run; /* all big buffers: static, never on the stack or heap */

static int fatal(struct run *r)
{
	int code = err_exit_code(&r->err);
	log_msg(LOG_FATAL, NULL, "%s (exit %d: %s)", r->err.msg, code, err_exit_hint(code));
	return code;
}

int main(int argc, char *argv[])
{
	struct run *r = &run;
	struct cli c;
	int code;

	(void) signal(SIGPIPE, SIG_IGN);
	r->lock_fd = -1;
	code = cli_parse(argc, argv, &c, r);
	if (code)
		return code;
	log_init(r->verbose, 0);
	if (c.cmd == CMD_HELP)
		return cli_help(), BS_EXIT_OK;
	if (c.cmd == CMD_VERSION)
		return cli_version(), BS_EXIT_OK;

	r->root_fd = open(r->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->root_fd < 0) {
		err_setx(&r->err, -errno, BS_EXIT_USAGE, "--root '%s': %s", r->root, strerror(errno));
		return fatal(r);
	}
	if (c.cmd == CMD_CONFIG_SHOW)
		return cmd_config_show(r, c.file, c.show_secrets);
	if (c.cmd == CMD_IMAGE_INSPECT)
		return cmd_image_inspect(r, c.rest[0]);
	if (c.cmd == CMD_VERIFY)
		/* verify trusts --keyring files only, never ECS_BOOTSTRAP_KEYRING (that is run's) */
		return cmd_verify(r, c.rest[0], c.rest[1], r->keyrings, c.keyring_arg ? r->n_keyrings : 0);
	if (c.cmd == CMD_FETCH)
		return cmd_fetch(r, c.rest[0], c.out, c.sha256, r->region);
	if (c.cmd == CMD_OPTIONS)
		return cmd_options(r, c.show_secrets);

	r->mode = c.cmd == CMD_PLAN ? MODE_PLAN : c.cmd == CMD_STATUS ? MODE_STATUS : MODE_RUN;
	/* Changing the machine needs root; say so before touching the lock.  (plan and
	 * status work as far as an unprivileged user can see.) */
	if ((c.cmd == CMD_RUN || c.cmd == CMD_RESET || c.cmd == CMD_AGENT || c.cmd == CMD_BAKE) && geteuid() != 0) {
		err_setx(&r->err, -EPERM, BS_EXIT_USAGE,
			 "must run as root (it changes sysctl, iptables and /etc); try: sudo ecs-bootstrap");
		return fatal(r);
	}
	/* status only reads: it never waits for a run in progress.  agent takes the lock only
	 * while it re-applies steps. */
	if (c.cmd != CMD_STATUS && c.cmd != CMD_AGENT && c.cmd != CMD_BAKE) {
		r->lock_fd = state_lock(r, r->lock_timeout_ms, &r->err);
		if (r->lock_fd < 0)
			return fatal(r);
	}
	if (c.cmd == CMD_RESET)
		return steps_reset(r, c.rest, c.n_rest);

	state_load_ids(r);
	/* What the last run saved fills what this one was not given (options.h). */
	if (options_merge(r) < 0)
		return fatal(r);
	preflight_method(r);
	if (ecs_config_prepare(r) < 0 || agent_image_prepare(r) < 0)
		return fatal(r);
	switch (c.cmd) {
	case CMD_PLAN: code = steps_plan(r); break;
	case CMD_STATUS: code = steps_status(r); break;
	case CMD_AGENT: code = cmd_agent(r); break;
	case CMD_BAKE: code = cmd_bake(r); break;
	default: code = steps_run(r); break;
	}
	(void) fflush(stdout);
	return code;
}
