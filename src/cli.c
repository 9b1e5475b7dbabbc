/* cli.c: see cli.h.  Command line beats environment. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/fault.h"
#include "lib/tls.h"
#include "log.h"
#include "steps.h"
#include "trust.h"

#if BS_HAVE_ZLIB
#include <zlib.h>
#endif

#ifndef BS_VERSION
#define BS_VERSION "0.0.0"
#endif
#ifndef BS_COMMIT
#define BS_COMMIT "unknown"
#endif
#ifndef BS_BEARSSL_VERSION
#define BS_BEARSSL_VERSION "unknown"
#endif

#define USAGE "usage: ecs-bootstrap [run|plan|status|options|reset [STEP...]|config show] [options]  (--help for more)"

void cli_help(void)
{
	printf("ecs-bootstrap %s: turn this Linux machine into an Amazon ECS container instance.\n\n", BS_VERSION);
	fputs("Usage:\n"
	      "  ecs-bootstrap [run] [options]   converge the machine (default command)\n"
	      "  ecs-bootstrap plan [options]    print what run would change, change nothing\n"
	      "                                  (exit 0: nothing to do, 1: changes pending)\n"
	      "  ecs-bootstrap status [options]  every step: converged / pending / failed, with checkpoint\n"
	      "                                  times (exit 0: all converged, 1: not)\n"
	      "                                  plan and status --json: one JSON document instead (schema 1:\n"
	      "                                  steps[] with name, state, detail (status: scope, checkpoint),\n"
	      "                                  status: agent {state, exit_code, detail}; exit)\n"
	      "  ecs-bootstrap agent             run and supervise the agent container in the foreground (what\n"
	      "                                  ecs.service runs): re-apply sysctl and nat, make sure the image\n"
	      "                                  is loaded, start container ecs-agent, restart it when it fails;\n"
	      "                                  exit 42 (an update downloaded): load it only if it verifies\n"
	      "                                  against the trust set with the agent source's signature, and\n"
	      "                                  restart at once; exits 5 when the agent does (terminal),\n"
	      "                                  0 on SIGTERM.  Waits while ecs.config names no cluster, and on\n"
	      "                                  an instance from a baked image until its first run (or cloud-init\n"
	      "                                  ends); a changed cluster clears the agent's\n"
	      "                                  data first (a new container instance there).  Options: those\n"
	      "                                  the last run saved (below)\n"
	      "  ecs-bootstrap bake [options]    prepare an image (Packer): converge what an image can hold (image\n"
	      "                                  downloaded, verified, loaded; unit installed and enabled, not\n"
	      "                                  started), then remove instance state (the agent container, its\n"
	      "                                  data and logs, boot and instance checkpoints, ECS_CLUSTER unless\n"
	      "                                  --cluster was given)\n"
	      "  ecs-bootstrap reset [STEP...]   forget checkpoints (all, or the named steps); changes nothing else\n"
	      "  ecs-bootstrap options [--show-secrets]\n"
	      "                                  the options saved by the last run (/etc/ecs-bootstrap/options),\n"
	      "                                  which agent and later runs use; URLs with credentials masked\n"
	      "  ecs-bootstrap config show [--file F] [--show-secrets]\n"
	      "                                  the environment `docker run --env-file F` would pass,\n"
	      "                                  one KEY=VALUE a line (default F: /etc/ecs/ecs.config)\n"
	      "  ecs-bootstrap fetch URL [-o FILE] [--sha256 HEX] [--region R]\n"
	      "                                  download https://, s3://BUCKET/KEY (SigV4, instance role or\n"
	      "                                  AWS_ACCESS_KEY_ID) or http:// into FILE (default: the URL's\n"
	      "                                  last path element; '-' for stdout) via FILE.partial, renamed\n"
	      "                                  only when complete and the digest matches; a FILE that is not\n"
	      "                                  a regular file (/dev/null, a FIFO, /dev/stdout) is written in place\n"
	      "  ecs-bootstrap verify [--keyring FILE]... DATA SIG\n"
	      "                                  check an OpenPGP detached signature (RSA, SHA-2); default\n"
	      "                                  trust: the embedded Amazon ECS key " "F34C3DDAE72926B0...\n"
	      "  ecs-bootstrap image inspect TAR  check a docker-save archive (plain or gzip'd): every image's\n"
	      "                                  id, tags, layers, and the id Docker's containerd image store\n"
	      "                                  gives it (containerd-id; exit 102 when it is malformed)\n"
	      "  ecs-bootstrap --help | --version\n\n"
	      "Options (run, plan, status; each also set by the environment variable shown).  run and bake\n"
	      "save --method, --region, --config-url, --agent-version, --agent-url, --agent-image, --keyring (a copy of the\n"
	      "file), --block-imds and --no-install-docker in /etc/ecs-bootstrap/options: agent (ecs.service)\n"
	      "and later runs use them until a run is given the option again; an empty value (--agent-url=)\n"
	      "or the default (--agent-version latest, --method auto, --no-block-imds, --install-docker) goes\n"
	      "back to the default.\n"
	      "--cluster and --set are kept in ecs.config itself.\n"
	      "  --cluster NAME      ECS cluster to join: ECS_CLUSTER in ecs.config   [ECS_BOOTSTRAP_CLUSTER]\n"
	      "  --set KEY=VALUE     set an ecs.config entry; repeatable; beats values already in the\n"
	      "                      file, which beat the defaults   [ECS_BOOTSTRAP_SET, entries on separate lines]\n"
	      "  --config-url URL    an ecs.config fragment (https:// or s3://, as the AWS docs recommend for\n"
	      "                      secrets; http:// is refused) merged between the file's keys and --set\n"
	      "                      [ECS_BOOTSTRAP_CONFIG_URL]\n"
	      "  --region R          region for s3:// URLs (else AWS_REGION, AWS_DEFAULT_REGION, IMDS)\n"
	      "                      [ECS_BOOTSTRAP_REGION]\n"
	      "  --agent-version V   latest (default), vX.Y.Z or an 8-hex commit   [ECS_BOOTSTRAP_AGENT_VERSION]\n"
	      "  --agent-url URL     the agent tarball (its signature: URL.asc) instead of the regional\n"
	      "                      Amazon bucket   [ECS_BOOTSTRAP_AGENT_URL]\n"
	      "  --agent-image REF   Docker pulls the agent from a registry instead of the signed tarball:\n"
	      "                      REF pinned by digest (...@sha256:...) is confirmed after the pull;\n"
	      "                      a tag alone is taken with a warning naming the digest it resolved\n"
	      "                      to (status shows it); credentials from Docker's config.json auths\n"
	      "                      (/root/.docker/config.json); pulled again only with --refresh or a\n"
	      "                      new REF; e.g. public.ecr.aws/ecs/amazon-ecs-agent@sha256:...\n"
	      "                      [ECS_BOOTSTRAP_AGENT_IMAGE]\n"
	      "  --keyring FILE      trust these OpenPGP keys instead of the embedded Amazon ECS key (logged\n"
	      "                      as a warning; private mirrors, tests); at most 8; given on the command\n"
	      "                      line, they replace ECS_BOOTSTRAP_KEYRING's   [ECS_BOOTSTRAP_KEYRING]\n"
	      "  --wait[=S]          after converging, wait at most S seconds (default 300) until the agent\n"
	      "                      has registered (its /v1/metadata names a ContainerInstanceArn) in\n"
	      "                      ecs.config's cluster; exit 111 with the agent log's tail when it has\n"
	      "                      not, 100 when it stays registered in another cluster for 15 s\n"
	      "                      [ECS_BOOTSTRAP_WAIT=S]\n"
	      "  --refresh           download the agent again even if the cached one is current\n"
	      "                      [ECS_BOOTSTRAP_REFRESH=1]\n"
	      "  --no-start          converge everything but leave the agent stopped: ecs.service enabled,\n"
	      "                      not started (without systemd: no container); a later run without it\n"
	      "                      starts the agent   [ECS_BOOTSTRAP_NO_START=1]\n"
	      "  --method M          how the agent is installed and run: container (this binary loads the\n"
	      "                      signed image and runs it, the ecs-init role), package (Amazon Linux:\n"
	      "                      the distribution's ecs-init), auto (default: package when\n"
	      "                      /etc/os-release says ID=amzn)   [ECS_BOOTSTRAP_METHOD]\n"
	      "  --block-imds        add the DOCKER-USER rule that keeps bridge-mode containers away\n"
	      "                      from 169.254.169.254; --no-block-imds removes it   [ECS_BOOTSTRAP_BLOCK_IMDS=1|0]\n"
	      "  --no-install-docker  where Docker is missing, exit 100 (\"Docker is not installed\") instead\n"
	      "                      of installing the distribution's package; --install-docker (the\n"
	      "                      default) allows it again   [ECS_BOOTSTRAP_INSTALL_DOCKER=1|0]\n"
	      "  --root DIR          operate on the filesystem tree DIR instead of /; paths cannot\n"
	      "                      escape it; a tree other than / needs no root (iptables, Docker\n"
	      "                      and systemctl still do) (used by tests)   [ECS_BOOTSTRAP_ROOT]\n"
	      "  --lock-timeout S    wait at most S seconds for another run (default 60), then exit 111\n"
	      "                      [ECS_BOOTSTRAP_LOCK_TIMEOUT]\n"
	      "  -v, --verbose       debug lines   [ECS_BOOTSTRAP_VERBOSE=1]\n\n"
	      "Steps, in order:", stdout);
	for (unsigned i = 0; steps_name(i); i++)
		printf(" %s", steps_name(i));
	fputs("\n  preflight  root, /etc/os-release, iptables (nf_tables or legacy), systemd\n"
	      "  sysctl     net.ipv4.conf.all.route_localnet=1 live and in /etc/sysctl.d/80-ecs-bootstrap.conf\n"
	      "  nat        task IAM role DNAT/REDIRECT of 169.254.170.2:80 to 127.0.0.1:51679, and ecs-init's\n"
	      "             INPUT rules (ECS_SKIP_LOCALHOST_TRAFFIC_FILTER, ECS_ALLOW_OFFHOST_INTROSPECTION_ACCESS)\n"
	      "  ecs-config /etc/ecs/ecs.config: defaults < keys already in the file < --config-url < --set/--cluster\n"
	      "  docker     Docker answers on its socket and docker.service is enabled; where Docker is\n"
	      "             missing, the distribution's package: apt-get install --no-install-recommends\n"
	      "             docker.io [docker-cli] [apparmor] (Debian, Ubuntu),\n"
	      "             dnf/yum install docker (Amazon Linux 2023/2), dnf install moby-engine (Fedora),\n"
	      "             zypper install docker (SUSE); then systemctl enable --now docker.service\n"
	      "  agent-image the agent tarball from the regional bucket, its OpenPGP signature verified, loaded\n"
	      "             into Docker as amazon/amazon-ecs-agent:latest; cached in /var/cache/ecs\n"
	      "  options    /etc/ecs-bootstrap/options (and keyring copies): the options above, saved\n"
	      "  host-dirs  /var/log/ecs, /var/lib/ecs/data, /var/cache/ecs, /mnt/ecs/ebs (SELinux: labelled)\n"
	      "  service    AppArmor on: the agent's profile ecs-agent-default, written and loaded;\n"
	      "             with systemd: /usr/local/bin/ecs-bootstrap and ecs.service, then\n"
	      "             `systemctl enable --now --no-block ecs.service`; without: the container with\n"
	      "             Docker's restart policy on-failure:10\n"
	      "  wait       with --wait: the agent's registration (runs after the lock is released)\n"
	      "The agent container: ecs-init's options, and ecs-init's settings read from ecs.config\n"
	      "(ECS_AGENT_LABELS, ECS_LOG_DRIVER, ECS_LOG_OPTS, ECS_INIT_DOCKER_LOG_FILE_SIZE/_NUM,\n"
	      "ECS_AGENT_PID_NAMESPACE_HOST, ECS_AGENT_RUN_PRIVILEGED, ECS_AGENT_APPARMOR_PROFILE, DOCKER_HOST);\n"
	      "the ones without effect here (ECS_EXTERNAL, ECS_GMSA_SUPPORTED, ...) are said at each start.\n"
	      "Checkpoints: /var/lib/ecs-bootstrap/state/<step>.  Lock: /run/ecs-bootstrap.lock.\n"
	      "Network (AWS SDK conventions): AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_EC2_METADATA_SERVICE_ENDPOINT,\n"
	      "AWS_EC2_METADATA_DISABLED=true, HTTPS_PROXY/HTTP_PROXY/NO_PROXY (http:// proxies, CONNECT),\n"
	      "AWS_CA_BUNDLE, else SSL_CERT_FILE (added to the embedded Amazon roots; else the system\n"
	      "bundle).  IMDSv2 only, unless ECS_BOOTSTRAP_IMDS_V1=1.  TLS verification cannot be turned off.\n\n"
	      "Exit codes:\n"
	      "    0  converged (plan/status: nothing pending)\n"
	      "    1  plan/status: changes pending\n"
	      "  100  bad usage or invalid configuration: do not retry, fix the input\n"
	      "  101  internal error (a step is still not converged after its change): do not retry, report\n"
	      "  102  integrity failure (signature, digest, TLS verification) or a server answer that breaks\n"
	      "       HTTP/1.1: do not retry, alert\n"
	      "  111  temporary failure (network, IMDS, S3 5xx, lock held, tool timed out): retry later;\n"
	      "       re-running is safe\n"
	      "    5  agent: the agent container exited 5 (terminal; ecs.service does not restart it)\n",
	      stdout);
}

void cli_version(void)
{
	printf("ecs-bootstrap %s (commit %s)\nTLS: %s\nBearSSL %s (OpenPGP, SigV4, checkpoints)\n", BS_VERSION, BS_COMMIT,
	       tls_library(), BS_BEARSSL_VERSION);
#if BS_HAVE_ZLIB
	printf("zlib %s\n", zlibVersion());
#endif
}

void cli_usage(void)
{
	fputs(USAGE "\n", stderr);
}

static struct bs_err *cli_err; /* the run's, while cli_parse() runs */

/* What is wrong with the command line, into the run's error (main reports it). */
__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	char msg[BS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_setx(cli_err, -EINVAL, BS_EXIT_USAGE, "%s", msg);
}

static int add_set(struct run *r, char *kv)
{
	struct bs_err e;
	char *eq = kv ? strchr(kv, '=') : NULL;

	if (!kv)
		return usage_error("%s", "--set needs KEY=VALUE");
	if (!eq)
		return usage_error("--set '%s': expected KEY=VALUE", kv);
	*eq = '\0';
	if (ecsconfig_check_key(kv, strlen(kv), &e) < 0 || ecsconfig_check_value(kv, eq + 1, strlen(eq + 1), &e) < 0)
		return usage_error("--set: %s", e.msg);
	if (r->n_sets == BS_MAX_SETS)
		return usage_error("--set: more than %s entries", "128");
	r->sets[r->n_sets].key = kv;
	r->sets[r->n_sets++].val = eq + 1;
	return 0;
}

static int set_method(struct run *r, const char *m)
{
	if (!m || (strcmp(m, "auto") != 0 && strcmp(m, "container") != 0 && strcmp(m, "package") != 0))
		return usage_error("--method '%s': want auto, container or package", m);
	r->method_opt = m;
	return 0;
}

static int set_cluster(struct run *r, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	/* ECS cluster names: up to 255 letters, digits, hyphens and underscores. */
	if (n == 0 || n > 255 || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != n)
		return usage_error("--cluster '%s': 1 to 255 letters, digits, '-' or '_'", name ? name : "");
	r->cluster = name;
	return 0;
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);
	return v && (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"));
}

/* A switch that is saved: 1 or 0 when the variable says so, -1 when unset or empty. */
static int env_switch(const char *name)
{
	const char *v = getenv(name);
	return !v || !*v ? -1 : env_true(name);
}

static int add_keyring(struct run *r, const char *file)
{
	if (!file || !*file) /* --keyring= : back to the embedded key */
		return 0;
	if (r->n_keyrings == TRUST_KEYRINGS_MAX)
		return usage_error("more than %d --keyring files", TRUST_KEYRINGS_MAX);
	r->keyrings[r->n_keyrings++] = file;
	return 0;
}

static int parse_seconds(const char *s, int *ret_ms)
{
	char *end;
	long v;

	*ret_ms = 0;
	if (!s)
		return usage_error("%s", "a number of seconds is missing");
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 86400)
		return usage_error("'%s': want seconds, 0 to 86400", s);
	*ret_ms = (int) v * 1000;
	return 0;
}

/* A variable's value, NULL when unset or empty. */
static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* What the environment says about the network and the tools: read here, once, and handed
 * to library code in r->net, r->docker_host and r->tool_dir.  The AWS SDKs' names, and the
 * usual proxy variables (lowercase http_proxy first: the uppercase one is unsafe in CGI). */
static void from_env_net(struct run *r)
{
	struct net *n = &r->net;
	const char *v;
	long t;

	n->https_proxy = env("HTTPS_PROXY") ? env("HTTPS_PROXY") : env("https_proxy");
	n->http_proxy = env("http_proxy") ? env("http_proxy") : env("HTTP_PROXY");
	n->no_proxy = env("NO_PROXY") ? env("NO_PROXY") : getenv("no_proxy");
	v = env("ECS_BOOTSTRAP_HTTP_TIMEOUT"); /* seconds, 1..3600: how long a stalled server is waited for */
	t = v ? strtol(v, NULL, 10) : 0;
	n->io_timeout_ms = t >= 1 && t <= 3600 ? (int) t * 1000 : 0;
	/* the AWS SDKs' variable first, as the AWS CLI takes it over the TLS library's */
	n->ssl_cert_var = env("AWS_CA_BUNDLE") ? "AWS_CA_BUNDLE" : "SSL_CERT_FILE";
	n->ssl_cert_file = env(n->ssl_cert_var);
	n->imds_endpoint = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	n->imds_disabled = (v = getenv("AWS_EC2_METADATA_DISABLED")) && !strcasecmp(v, "true");
	n->imds_v1_allowed = (v = getenv("ECS_BOOTSTRAP_IMDS_V1")) && !strcmp(v, "1");
	n->aws_region = env("AWS_REGION");
	n->aws_default_region = env("AWS_DEFAULT_REGION");
	n->s3_endpoint = env("AWS_ENDPOINT_URL_S3");
	n->access_key_id = env("AWS_ACCESS_KEY_ID");
	n->secret_access_key = env("AWS_SECRET_ACCESS_KEY");
	n->session_token = env("AWS_SESSION_TOKEN");
	r->docker_host = env("DOCKER_HOST");
	r->tool_dir = env("BS_TOOL_DIR");
	fault_setup(getenv("BS_FAULT_POINT"), getenv("BS_FAULT_SIGNAL"));
}

/* Environment first, so the command line (parsed next) wins. */
static int from_env(struct run *r)
{
	static char sets[65536];
	const char *v;
	int k;

	from_env_net(r);
	if ((v = getenv("ECS_BOOTSTRAP_CLUSTER")) && *v && (k = set_cluster(r, v)))
		return k;
	if ((v = getenv("ECS_BOOTSTRAP_SET")) && *v) {
		char *save = NULL, *line;
		if (strlen(v) >= sizeof sets)
			return usage_error("ECS_BOOTSTRAP_SET: longer than %s bytes", "65535");
		memcpy(sets, v, strlen(v) + 1);
		for (line = strtok_r(sets, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if ((k = add_set(r, line)))
				return k;
	}
	if ((k = env_switch("ECS_BOOTSTRAP_BLOCK_IMDS")) >= 0)
		r->block_imds = k, r->block_imds_given = true;
	if ((k = env_switch("ECS_BOOTSTRAP_INSTALL_DOCKER")) >= 0)
		r->no_install_docker = !k, r->install_docker_given = true;
	if ((v = getenv("ECS_BOOTSTRAP_METHOD")) && *v && (k = set_method(r, v)))
		return k;
	if ((v = getenv("ECS_BOOTSTRAP_ROOT")) && *v)
		r->root = v;
	r->verbose = env_true("ECS_BOOTSTRAP_VERBOSE");
	if ((v = getenv("ECS_BOOTSTRAP_CONFIG_URL")) && *v)
		r->config_url = v;
	if ((v = getenv("ECS_BOOTSTRAP_REGION")) && *v)
		r->region = v;
	if ((v = getenv("ECS_BOOTSTRAP_AGENT_VERSION")) && *v)
		r->agent_version = v;
	if ((v = getenv("ECS_BOOTSTRAP_AGENT_URL")) && *v)
		r->agent_url_opt = v;
	if ((v = getenv("ECS_BOOTSTRAP_AGENT_IMAGE")) && *v)
		r->agent_image = v;
	if ((v = getenv("ECS_BOOTSTRAP_KEYRING")) && *v)
		r->keyrings[r->n_keyrings++] = v, r->keyrings_given = true;
	r->refresh = env_true("ECS_BOOTSTRAP_REFRESH");
	r->no_start = env_true("ECS_BOOTSTRAP_NO_START");
	if ((v = getenv("ECS_BOOTSTRAP_WAIT")) && *v) {
		int ms = 0;
		if ((k = parse_seconds(v, &ms)))
			return k;
		r->wait_s = ms / 1000;
	}
	if ((v = getenv("ECS_BOOTSTRAP_LOCK_TIMEOUT")) && *v && (k = parse_seconds(v, &r->lock_timeout_ms)))
		return k;
	return 0;
}

enum { O_CLUSTER = 256, O_SET, O_BLOCK_IMDS, O_ROOT, O_LOCK_TIMEOUT, O_FILE, O_SHOW_SECRETS, O_HELP, O_VERSION,
       O_CONFIG_URL, O_REGION, O_SHA256, O_KEYRING, O_AGENT_VERSION, O_AGENT_URL, O_AGENT_IMAGE, O_REFRESH, O_WAIT, O_METHOD, O_NO_START,
       O_NO_BLOCK_IMDS, O_JSON, O_INSTALL_DOCKER, O_NO_INSTALL_DOCKER };

/* Which options each command takes. */
static bool applies(enum bs_cmd cmd, int o)
{
	/* agent (what ecs.service runs) takes what the last run saved: an option given to it
	 * could undo what that run converged. */
	bool converge = cmd == CMD_RUN || cmd == CMD_PLAN || cmd == CMD_STATUS || cmd == CMD_BAKE;
	switch (o) {
	case 'v': case O_ROOT: case O_HELP: case O_VERSION: case '?': case ':':
		return true;
	case O_FILE:
		return cmd == CMD_CONFIG_SHOW;
	case O_JSON:
		return cmd == CMD_PLAN || cmd == CMD_STATUS;
	case O_SHOW_SECRETS:
		return cmd == CMD_CONFIG_SHOW || cmd == CMD_OPTIONS;
	case 'o': case O_SHA256:
		return cmd == CMD_FETCH;
	case O_KEYRING:
		return cmd == CMD_VERIFY || converge;
	case O_REGION:
		return converge || cmd == CMD_FETCH;
	case O_LOCK_TIMEOUT:
		return converge || cmd == CMD_RESET || cmd == CMD_AGENT;
	default:
		return converge;
	}
}

int cli_parse(int argc, char *argv[], struct cli *c, struct run *r)
{
	static const struct option opts[] = {
		{ "cluster", required_argument, NULL, O_CLUSTER },
		{ "set", required_argument, NULL, O_SET },
		{ "block-imds", no_argument, NULL, O_BLOCK_IMDS },
		{ "no-block-imds", no_argument, NULL, O_NO_BLOCK_IMDS },
		{ "install-docker", no_argument, NULL, O_INSTALL_DOCKER },
		{ "no-install-docker", no_argument, NULL, O_NO_INSTALL_DOCKER },
		{ "method", required_argument, NULL, O_METHOD },
		{ "config-url", required_argument, NULL, O_CONFIG_URL },
		{ "region", required_argument, NULL, O_REGION },
		{ "sha256", required_argument, NULL, O_SHA256 },
		{ "output", required_argument, NULL, 'o' },
		{ "keyring", required_argument, NULL, O_KEYRING },
		{ "agent-version", required_argument, NULL, O_AGENT_VERSION },
		{ "agent-url", required_argument, NULL, O_AGENT_URL },
		{ "agent-image", required_argument, NULL, O_AGENT_IMAGE },
		{ "refresh", no_argument, NULL, O_REFRESH },
		{ "no-start", no_argument, NULL, O_NO_START },
		{ "wait", optional_argument, NULL, O_WAIT },
		{ "root", required_argument, NULL, O_ROOT },
		{ "lock-timeout", required_argument, NULL, O_LOCK_TIMEOUT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "file", required_argument, NULL, O_FILE },
		{ "show-secrets", no_argument, NULL, O_SHOW_SECRETS },
		{ "help", no_argument, NULL, O_HELP },
		{ "version", no_argument, NULL, O_VERSION },
		{ "json", no_argument, NULL, O_JSON },
		{ NULL, 0, NULL, 0 },
	};
	int first = 1, k, o;
	static char *permuted[1024];

	cli_err = &r->err;
	/* getopt may permute argv (fetch URL -o F): work on a copy of the pointers. */
	if (argc > 1023)
		return usage_error("more than %s arguments", "1022");
	memcpy(permuted, argv, (size_t) argc * sizeof argv[0]);
	argv = permuted;

	memset(c, 0, sizeof *c);
	r->root = "/";
	r->lock_timeout_ms = 60000;
	if ((k = from_env(r)))
		return k;
	if (argc > 1 && argv[1][0] != '-') {
		const char *w = argv[1];
		first = 2;
		if (!strcmp(w, "run"))
			c->cmd = CMD_RUN;
		else if (!strcmp(w, "plan"))
			c->cmd = CMD_PLAN;
		else if (!strcmp(w, "status"))
			c->cmd = CMD_STATUS;
		else if (!strcmp(w, "reset"))
			c->cmd = CMD_RESET;
		else if (!strcmp(w, "config") && argc > 2 && !strcmp(argv[2], "show"))
			c->cmd = CMD_CONFIG_SHOW, first = 3;
		else if (!strcmp(w, "agent"))
			c->cmd = CMD_AGENT;
		else if (!strcmp(w, "options"))
			c->cmd = CMD_OPTIONS;
		else if (!strcmp(w, "bake"))
			c->cmd = CMD_BAKE, r->bake = true, r->no_start = true;
		else if (!strcmp(w, "fetch"))
			c->cmd = CMD_FETCH;
		else if (!strcmp(w, "verify"))
			c->cmd = CMD_VERIFY;
		else if (!strcmp(w, "image") && argc > 2 && !strcmp(argv[2], "inspect"))
			c->cmd = CMD_IMAGE_INSPECT, first = 3;
		else if (!strcmp(w, "help"))
			c->cmd = CMD_HELP;
		else
			return usage_error("unknown command '%s'", w);
	}
	optind = first;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "vo:", opts, NULL)) != -1) {
		if (!applies(c->cmd, o))
			return usage_error(c->cmd == CMD_AGENT ? "option '%s': agent uses the options the last run saved "
								 "(/etc/ecs-bootstrap/options); give it to `ecs-bootstrap run`"
							       : "option '%s' does not apply to this command",
					   argv[optind - 1]);
		switch (o) {
		case O_CLUSTER: if ((k = set_cluster(r, optarg))) return k; break;
		case O_SET: if ((k = add_set(r, optarg))) return k; break;
		case O_BLOCK_IMDS: r->block_imds = r->block_imds_given = true; break;
		case O_NO_BLOCK_IMDS: r->block_imds = false, r->block_imds_given = true; break;
		case O_INSTALL_DOCKER: r->no_install_docker = false, r->install_docker_given = true; break;
		case O_NO_INSTALL_DOCKER: r->no_install_docker = r->install_docker_given = true; break;
		case O_METHOD: if ((k = set_method(r, optarg))) return k; break;
		case O_CONFIG_URL: r->config_url = optarg; break;
		case O_REGION: r->region = optarg; break;
		case 'o': c->out = optarg; break;
		case O_SHA256: c->sha256 = optarg; break;
		case O_KEYRING:
			/* The command line's list replaces the environment's. */
			if (!c->keyring_arg)
				r->n_keyrings = 0, c->keyring_arg = true;
			r->keyrings_given = true;
			if ((k = add_keyring(r, optarg)))
				return k;
			break;
		case O_AGENT_VERSION: r->agent_version = optarg; break;
		case O_AGENT_URL: r->agent_url_opt = optarg; break;
		case O_AGENT_IMAGE: r->agent_image = optarg; break;
		case O_REFRESH: r->refresh = true; break;
		case O_NO_START: r->no_start = true; break;
		case O_WAIT: {
			int ms = 300000;
			if (optarg && (k = parse_seconds(optarg, &ms)))
				return k;
			r->wait_s = ms / 1000;
			break;
		}
		case O_ROOT: r->root = optarg; break;
		case O_LOCK_TIMEOUT: if ((k = parse_seconds(optarg, &r->lock_timeout_ms))) return k; break;
		case 'v': r->verbose++; break;
		case O_FILE: c->file = optarg; break;
		case O_SHOW_SECRETS: c->show_secrets = true; break;
		case O_JSON: r->json = true; break;
		case O_HELP: c->cmd = CMD_HELP; return 0;
		case O_VERSION: c->cmd = CMD_VERSION; return 0;
		default:
			return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	c->rest = argv + optind;
	c->n_rest = argc - optind;
	if (c->cmd == CMD_FETCH && c->n_rest != 1)
		return usage_error("fetch takes one URL (%s given)", c->n_rest ? "more" : "none");
	if (c->cmd == CMD_IMAGE_INSPECT && c->n_rest != 1)
		return usage_error("image inspect takes one TAR (%d given)", c->n_rest);
	if (c->cmd == CMD_VERIFY && c->n_rest != 2)
		return usage_error("verify takes DATA and SIG (%d given)", c->n_rest);
	if (c->n_rest && c->cmd != CMD_RESET && c->cmd != CMD_FETCH && c->cmd != CMD_VERIFY &&
	    c->cmd != CMD_IMAGE_INSPECT)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (r->no_start && r->wait_s && c->cmd != CMD_AGENT)
		return usage_error("--wait waits for an agent that %s does not start", r->bake ? "bake" : "--no-start");
	if (r->cluster) {
		r->sets[r->n_sets].key = "ECS_CLUSTER";
		r->sets[r->n_sets++].val = r->cluster;
	}
	return 0;
}
