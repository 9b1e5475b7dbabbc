/* cli.h: the command line and its environment-variable equivalents. */
#ifndef BS_CLI_H
#define BS_CLI_H

#include "run.h"

enum bs_cmd { CMD_RUN, CMD_PLAN, CMD_STATUS, CMD_RESET, CMD_CONFIG_SHOW, CMD_FETCH, CMD_VERIFY, CMD_IMAGE_INSPECT, CMD_AGENT, CMD_BAKE, CMD_OPTIONS, CMD_HELP, CMD_VERSION };

struct cli {
	enum bs_cmd cmd;
	char *const *rest;      /* reset: step names */
	int n_rest;
	const char *file;       /* config show --file */
	bool show_secrets;      /* config show / options --show-secrets */
	const char *out;        /* fetch -o */
	const char *sha256;     /* fetch --sha256 */
	bool keyring_arg;       /* --keyring on the command line (the files are in r->keyrings) */
};

/* Parse argv (and ECS_BOOTSTRAP_* variables) into c and r.  0, or < 0 with r->err saying
 * what is wrong (exit class 100); main reports it, then cli_usage(). */
int cli_parse(int argc, char *argv[], struct cli *c, struct run *r);

/* The one-line usage, on stderr. */
void cli_usage(void);

void cli_help(void);
void cli_version(void);

#endif
