/* run.h: struct run, everything one invocation knows.  Allocated once (static in
 * main.c); all big buffers live here, so the steady state uses no heap. */
#ifndef BS_RUN_H
#define BS_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "lib/docker.h"
#include "lib/ecsconfig.h"
#include "lib/net.h"
#include "lib/pgp.h"
#include "paths.h"

enum bs_mode { MODE_RUN, MODE_PLAN, MODE_STATUS };

#define RUN_OPTIONS_MAX 16384 /* the saved options file */

struct run {
	/* where: every path is resolved under root_fd (--root, default "/") */
	int root_fd;
	const char *root;
	enum bs_mode mode;

	/* options (command line, else environment, else the saved ones: options.h) */
	const char *cluster;
	struct ecsconfig_kv sets[BS_MAX_SETS + 1]; /* --set entries, then --cluster */
	size_t n_sets;
	bool block_imds;
	bool block_imds_given;    /* --block-imds/--no-block-imds or ECS_BOOTSTRAP_BLOCK_IMDS: beats the saved one */
	bool no_install_docker;   /* --no-install-docker: a host without Docker is an error, not installed into */
	bool install_docker_given; /* --[no-]install-docker or ECS_BOOTSTRAP_INSTALL_DOCKER: beats the saved one */
	const char *method_opt;   /* --method: auto (default), container, package */
	bool package;             /* resolved by preflight: the distribution's ecs-init runs the agent */
	const char *region;      /* --region: S3 requests (--config-url) */
	const char *config_url;  /* --config-url: an ecs.config fragment */
	const char *agent_version; /* --agent-version: latest, vX.Y.Z or an 8-hex commit */
	const char *agent_url_opt; /* --agent-url */
	const char *agent_image;   /* --agent-image: Docker pulls this reference instead of the tarball */
	struct docker_ref agent_ref; /* agent_image, split (agent_image_prepare) */
	const char *keyrings[8];   /* --keyring: replace the embedded Amazon ECS key (TRUST_KEYRINGS_MAX) */
	size_t n_keyrings;
	bool keyrings_given;       /* --keyring or ECS_BOOTSTRAP_KEYRING: the saved ones are not used */
	bool refresh;              /* --refresh: download the agent again */
	bool json;                 /* --json: plan and status print one JSON document */
	int wait_s;                /* --wait[=SECONDS]: 0 = do not wait */
	bool bake;                 /* `bake`: an image, not an instance */
	bool no_start;             /* --no-start (and bake): ecs.service enabled, not started */

	/* agent image source, computed before the steps */
	char agent_url[1024];
	char agent_sig_url[1040];
	bool refreshed;
	int verbose;
	int lock_timeout_ms;
	int lock_fd;                   /* the run lock while held, else -1 */

	/* facts gathered by preflight */
	char os_id[64];
	char os_version_id[64];
	char os_pretty[128];
	char os_id_like[128];     /* ID_LIKE: "rhel centos fedora", "debian" */
	char ipt_version[64];     /* "iptables v1.8.9 (nf_tables)" */
	const char *ipt_backend;  /* "nf_tables" or "legacy" */
	bool have_ip6tables;
	bool have_ipv6;
	bool have_systemd;
	bool have_docker0;
	bool selinux_enforcing;   /* /sys/fs/selinux/enforce reads 1 */

	/* scope keys of checkpoints */
	char boot_id[64];
	char instance_id[128];
	const char *instance_id_source;
	char az[64];              /* availability zone, when IMDS answered */
	char imds_region[48];     /* region from IMDS's identity document, when it answered */

	/* ecs.config: what the file holds now and what it should hold */
	char cfg_old[BS_CONFIG_MAX];
	size_t cfg_old_len;
	bool cfg_old_exists;
	mode_t cfg_old_mode;      /* its permission bits, when it exists */
	char cfg[BS_CONFIG_MAX];
	size_t cfg_len;
	bool cfg_secret;
	char agent_cfg[BS_CONFIG_MAX]; /* ecs.config as the agent container is made from it (agent_container.c) */
	/* ecs-init knobs read from the rendered config */
	bool skip_localhost_filter;       /* ECS_SKIP_LOCALHOST_TRAFFIC_FILTER=true */
	bool allow_offhost_introspection; /* ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS=true */

	/* what the environment says beyond the options (cli.c reads it; library code is given it) */
	const char *docker_host;  /* DOCKER_HOST */
	const char *tool_dir;     /* BS_TOOL_DIR: tests' stand-ins for iptables, systemctl, ... */

	/* the saved options (options.c): the file as read, NUL-terminated copies of its values
	 * (the option pointers above may point there), the keyring copies' paths as given to the
	 * agent, and the file this run renders */
	struct {
		char saved[RUN_OPTIONS_MAX];
		char values[RUN_OPTIONS_MAX];
		size_t values_len;
		char kr_paths[8][4200];
		char rendered[RUN_OPTIONS_MAX];
		size_t rendered_len;
	} opt;

	/* the trust set the agent image is verified against (loaded once, by agent-image) */
	struct pgp_keyring keyring;
	bool keyring_loaded;

	/* the run's contexts: the network (proxies, IMDS session, credentials), a Docker client */
	struct net net;
	struct docker docker;

	/* per step, reset by the runner before each check() */
	char why[256];    /* check() returning 0 says why here ("rule missing: ...") */
	char done[256];   /* apply() may say what it changed, for the [finished] line */
	bool cp_valid;    /* the step's checkpoint matches its inputs and scope */

	/* A command that fails returns < 0 with the error here; main reports it, once, naming
	 * failed: the step that failed, else the command (NULL: none to name). */
	struct bs_err err;
	const char *failed;
};

/* Printf into r->why / r->done (truncated). */
void run_why(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void run_done(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
