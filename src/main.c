/* main.c: argv/env -> struct run -> one command -> exit code.  No logic lives here: the
 * table below says, per command, what it needs before it runs.  A command returns its
 * exit code, or < 0 with r->err set: main is the one place that reports an error. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_agent.h"
#include "cmd_bake.h"
#include "cmd_config.h"
#include "cmd_fetch.h"
#include "cmd_verify.h"
#include "log.h"
#include "options.h"
#include "state.h"
#include "steps.h"

static struct run run; /* all big buffers: static, never on the stack or heap */

static int fatal(struct run *r)
{
	return log_fatal(r->failed, &r->err);
}

static int do_run(struct run *r, struct cli *c) { (void) c; return steps_run(r); }
static int do_plan(struct run *r, struct cli *c) { (void) c; return steps_plan(r); }
static int do_status(struct run *r, struct cli *c) { (void) c; return steps_status(r); }
static int do_reset(struct run *r, struct cli *c) { return steps_reset(r, c->rest, c->n_rest); }
static int do_agent(struct run *r, struct cli *c) { (void) c; return cmd_agent(r); }
static int do_bake(struct run *r, struct cli *c) { (void) c; return cmd_bake(r); }
static int do_options(struct run *r, struct cli *c) { return cmd_options(r, c->show_secrets); }
static int do_config_show(struct run *r, struct cli *c) { return cmd_config_show(r, c->file, c->show_secrets); }
static int do_fetch(struct run *r, struct cli *c) { return cmd_fetch(r, c->rest[0], c->out, c->sha256, r->region); }
static int do_image_inspect(struct run *r, struct cli *c) { return cmd_image_inspect(r, c->rest[0]); }
/* verify trusts --keyring files only, never ECS_BOOTSTRAP_KEYRING (that is run's) */
static int do_verify(struct run *r, struct cli *c)
{
	return cmd_verify(r, c->rest[0], c->rest[1], r->keyrings, c->keyring_arg ? r->n_keyrings : 0);
}

#define ROOT 1u    /* changes the machine: root only, said before anything else (--root DIR: not
                      needed, the tree's owner may; what acts outside it fails on its own) */
#define LOCK 2u    /* holds the run lock throughout (agent and bake take it while their steps run) */
#define STEPS 4u   /* goes through the steps: scope ids, saved options, the steps' prepare phase */

static const struct command {
	enum bs_cmd cmd;
	int (*fn)(struct run *r, struct cli *c);
	unsigned needs;
	enum bs_mode mode;
	const char *name; /* in its error report (the steps name themselves) */
} commands[] = {
	{ CMD_RUN,           do_run,           ROOT | LOCK | STEPS, MODE_RUN,    NULL },
	{ CMD_PLAN,          do_plan,          LOCK | STEPS,        MODE_PLAN,   NULL },
	{ CMD_STATUS,        do_status,        STEPS,               MODE_STATUS, NULL }, /* only reads: never waits for a run */
	{ CMD_RESET,         do_reset,         ROOT | LOCK,         MODE_RUN,    NULL },
	{ CMD_AGENT,         do_agent,         ROOT | STEPS,        MODE_RUN,    "agent" },
	{ CMD_BAKE,          do_bake,          ROOT | STEPS,        MODE_RUN,    "bake" },
	{ CMD_OPTIONS,       do_options,       0,                   MODE_RUN,    "options" },
	{ CMD_CONFIG_SHOW,   do_config_show,   0,                   MODE_RUN,    "config" },
	{ CMD_FETCH,         do_fetch,         0,                   MODE_RUN,    "fetch" },
	{ CMD_VERIFY,        do_verify,        0,                   MODE_RUN,    "verify" },
	{ CMD_IMAGE_INSPECT, do_image_inspect, 0,                   MODE_RUN,    "image" },
};

/* Whether fd is the machine's / (however --root spelled it). */
static bool is_slash(int fd)
{
	struct stat a, b;
	return fstat(fd, &a) != 0 || stat("/", &b) != 0 || (a.st_dev == b.st_dev && a.st_ino == b.st_ino);
}

int main(int argc, char *argv[])
{
	struct run *r = &run;
	const struct command *cmd = NULL;
	struct cli c;
	int code;

	(void) signal(SIGPIPE, SIG_IGN);
	r->lock_fd = -1;
	if (cli_parse(argc, argv, &c, r) < 0)
		return log_fatal(NULL, &r->err), cli_usage(), BS_EXIT_USAGE;
	log_init(r->verbose, 0);
	if (c.cmd == CMD_HELP)
		return cli_help(), BS_EXIT_OK;
	if (c.cmd == CMD_VERSION)
		return cli_version(), BS_EXIT_OK;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].cmd == c.cmd)
			cmd = &commands[i];
	if (!cmd) {
		err_setx(&r->err, -EINVAL, BS_EXIT_INTERNAL, "command %d has no entry in main.c's table", (int) c.cmd);
		return fatal(r);
	}

	r->root_fd = open(r->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->root_fd < 0) {
		err_setx(&r->err, -errno, BS_EXIT_USAGE, "--root '%s': %s", r->root, strerror(errno));
		return fatal(r);
	}
	r->mode = cmd->mode;
	r->failed = cmd->name;
	/* Changing the machine needs root; say so before touching the lock.  (plan and
	 * status work as far as an unprivileged user can see.)  A --root tree other than /
	 * is its owner's to change. */
	if ((cmd->needs & ROOT) && geteuid() != 0 && is_slash(r->root_fd)) {
		err_setx(&r->err, -EPERM, BS_EXIT_USAGE,
			 "must run as root (it changes sysctl, iptables and /etc); try: sudo ecs-bootstrap");
		return fatal(r);
	}
	if (cmd->needs & LOCK) {
		r->lock_fd = state_lock(r, r->lock_timeout_ms, &r->err);
		if (r->lock_fd < 0)
			return fatal(r);
	}
	if (cmd->needs & STEPS) {
		state_load_ids(r);
		/* What the last run saved fills what this one was not given (options.h). */
		if (options_merge(r) < 0)
			return fatal(r);
		if (steps_prepare(r) < 0)
			return fatal(r);
	}
	code = cmd->fn(r, &c);
	(void) fflush(stdout);
	return code < 0 ? fatal(r) : code;
}
