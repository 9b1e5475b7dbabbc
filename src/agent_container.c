/* agent_container.c: the ecs-agent container: what it is made of and starting it.
 *
 * The installation document's options plus ecs-init's: host network, host user namespace,
 * NET_ADMIN and SYS_ADMIN, an init process, json-file logs (16m x 4, or ecs-init's
 * ECS_LOG_DRIVER settings), the binds below, AppArmor's ecs-agent-default where it is on,
 * ecs-init's default environment, then the entries of /etc/ecs/ecs.config (parsed as
 * `docker run --env-file`; a default whose key ecs.config sets is left out).  Labels say who
 * supervises it and from which ecs.config it was made.
 */
#include "agent_container.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apparmor.h"
#include "lib/envfile.h"
#include "lib/ecsconfig.h"
#include "lib/fileio.h"
#include "lib/json.h"
#include "lib/sha256.h"
#include "lib/strbuf.h"
#include "log.h"

#define BODY_MAX (256 * 1024)

/* ecs-init's defaults for the agent container (ecs-init/docker/docker_config.go). */
static const char *const default_env[] = {
	"ECS_LOGFILE=/log/ecs-agent.log",
	"ECS_DATADIR=/data",
	"ECS_AGENT_CONFIG_FILE_PATH=/etc/ecs/ecs.config.json",
	"ECS_UPDATE_DOWNLOAD_DIR=/var/cache/ecs",
	"ECS_UPDATES_ENABLED=true",
	"ECS_AVAILABLE_LOGGING_DRIVERS=[\"json-file\",\"syslog\",\"awslogs\",\"fluentd\",\"none\"]",
	"ECS_ENABLE_TASK_IAM_ROLE=true",
	"ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=true",
	"ECS_ENABLE_AWSLOGS_EXECUTIONROLE_OVERRIDE=true",
	"ECS_ENABLE_TASK_ENI=true",
	"ECS_AGENT_LABELS=",
};

/* The EFS volume plugin ecs-init's package installs (socket-activated); the agent hands EFS
 * volumes with IAM or access points to it only when told the capability is there. */
#define VOLUME_PLUGIN_SOCKET "/run/docker/plugins/amazon-ecs-volume-plugin.sock"

/* ecs-init's binds, in its order (ecs-init/docker/docker_config.go).  The first six always; the
 * others only when their source exists on the host (Docker would create a missing source
 * as an empty directory).  The agent runs the host's iptables through /host/sbin and the
 * host's libraries, hence the read-only system directories. */
static const struct {
	const char *bind;
	bool optional;
	const char *when; /* an optional bind's condition: this path exists (NULL: its source) */
} binds[] = {
	{ "/var/run:/var/run", false, NULL },
	{ "/var/log/ecs:/log", false, NULL },
	{ "/var/lib/ecs/data:/data", false, NULL },
	{ "/etc/ecs:/etc/ecs", false, NULL },
	{ "/var/cache/ecs:/var/cache/ecs", false, NULL },
	{ "/sys/fs/cgroup:/sys/fs/cgroup", false, NULL },
	{ "/var/lib/ecs:/var/lib/ecs", true, NULL },
	{ "/var/log/ecs/exec:/log/exec", true, NULL },
	{ "/etc/pki:/etc/pki:ro", true, NULL },
	{ "/etc/ssl:/etc/ssl:ro", true, NULL },
	{ "/run/docker/plugins:/run/docker/plugins:ro", true, NULL },
	{ "/etc/docker/plugins:/etc/docker/plugins:ro", true, NULL },
	{ "/usr/lib/docker/plugins:/usr/lib/docker/plugins:ro", true, NULL },
	{ "/var/lib/ecs/deps:/managed-agents:ro", true, NULL },
	/* ECS Exec: the agent writes the execute-command agent's configuration on the host */
	{ "/var/lib/ecs/deps/execute-command/config:/managed-agents/execute-command/config", true,
	  "/var/lib/ecs/deps/execute-command" },
	{ "/proc:/host/proc:ro", false, NULL },
	{ "/usr/lib:/usr/lib:ro", true, NULL },
	{ "/lib:/lib:ro", true, NULL },
	{ "/usr/lib64:/usr/lib64:ro", true, NULL },
	{ "/lib64:/lib64:ro", true, NULL },
	{ "/sbin:/host/sbin:ro", true, NULL },
	{ "/etc/alternatives:/etc/alternatives:ro", true, NULL },
	{ "/usr/sbin:/usr/sbin:ro", true, NULL },
	{ "/usr/bin/lsblk:/usr/bin/lsblk", true, NULL },
	{ "/usr/bin/nsenter:/usr/bin/nsenter", true, NULL },
	{ "/var/lib/cloud/data/result.json:/var/lib/cloud/data/result.json:ro", true, NULL },
};

static void to_strbuf(void *b, const char *p, size_t len)
{
	strbuf_put(b, p, len);
}

/* A JSON string (lib/json.c's writer) into the request body. */
static void jstr(struct strbuf *b, const char *s, size_t n)
{
	json_escape(s, n, to_strbuf, b);
}

struct envctx {
	struct strbuf *b;
	bool first; /* nothing in the Env list yet */
};

static int env_entry(void *ctx, const struct envfile_entry *ent)
{
	struct envctx *ec = ctx;
	struct strbuf *b = ec->b;
	char kv[70000];
	int n = snprintf(kv, sizeof kv, "%.*s=%.*s", (int) ent->key_len, ent->key, (int) ent->val_len, ent->val);
	if (n < 0 || (size_t) n >= sizeof kv)
		return -E2BIG;
	if (!ec->first)
		strbuf_put(b, ",", 1);
	ec->first = false;
	jstr(b, kv, (size_t) n);
	return 0;
}

static const char *env_lookup(void *ctx, const char *key)
{
	(void) ctx;
	return getenv(key); /* like `docker run --env-file`: pass-through keys come from our environment */
}

/* The agent reads ecs.config only when its container is created: the container carries the
 * sha256 of the file it was made from, so a changed file means a new container. */
#define CONFIG_LABEL "ecs-bootstrap.config-sha256"
/* Who restarts the container: "agent" (`ecs-bootstrap agent`, which also applies ecs.config
 * changes itself) or "docker" (the restart policy, when there is no systemd). */
#define SUPERVISOR_LABEL "ecs-bootstrap.supervisor"

static void config_hash(const char *cfg, size_t len, char hex[65])
{
	struct sha256_ctx h;
	sha256_init(&h);
	sha256_update(&h, cfg, len);
	sha256_hex(&h, hex);
}

/* ecs.config as it is now (the ecs-config step of this very run may just have written it),
 * into the run's buffer for it: its length, 0 when the file is missing, or < 0 with e. */
static ssize_t read_config(struct run *r, struct bs_err *e)
{
	size_t len = 0;
	int k = fileio_read_bounded(r->root_fd, PATH_ECS_CONFIG, r->agent_cfg, sizeof r->agent_cfg, &len, e);
	if (k == -ENOENT)
		return err_clear(e), 0;
	return k < 0 ? k : (ssize_t) len;
}

void agent_config_hash(struct run *r, char hex[65])
{
	struct bs_err e;
	ssize_t len = read_config(r, &e);

	if (len < 0) {
		hex[0] = '\0';
		return;
	}
	config_hash(r->agent_cfg, (size_t) len, hex);
}

/* One KEY=VALUE default into the Env list, unless ecs.config sets KEY. */
static void env_default(struct strbuf *b, bool *first, const char *cfg, size_t cfg_len, const char *kv)
{
	char key[64];
	const char *v;
	size_t vl, kl = strcspn(kv, "=");

	if (kl < sizeof key) {
		memcpy(key, kv, kl);
		key[kl] = '\0';
		if (ecsconfig_get(cfg, cfg_len, key, &v, &vl) == 1)
			return;
	}
	if (!*first)
		strbuf_put(b, ",", 1);
	*first = false;
	jstr(b, kv, strlen(kv));
}

/* ecs-init's own settings.  ecs-init reads them from its environment, which its unit loads
 * from ecs.config; here they are read from ecs.config.  Each is honoured as ecs-init does,
 * or said at every start to have no effect: nothing is silently ignored. */

/* A JSON object of strings (ECS_AGENT_LABELS, ECS_LOG_OPTS) written as members of a JSON
 * object being built ("k":"v",...; *n counts what b holds already).  Keys in skip[] are
 * not written (warned).  0, or -EINVAL when the value is not a JSON object of strings
 * (nothing written). */
static int json_object_members(const char *what, const char *v, size_t vl, const char *const *skip, struct strbuf *b,
			       size_t *n)
{
	jsmntok_t tok[129];
	struct json j;
	struct bs_err e;
	size_t keep = b->len, n0 = *n;

	if (json_parse(&j, v, vl, tok, sizeof tok / sizeof tok[0], &e) < 0 || j.n < 1 || tok[0].type != JSMN_OBJECT ||
	    json_skip(&j, 0) != j.n)
		return -EINVAL;
	for (int i = 1; i < j.n; i += 2) {
		char key[256], val[1024];
		int kl = json_string(&j, i, key, sizeof key), vlen = i + 1 < j.n ? json_string(&j, i + 1, val, sizeof val) : -EINVAL;
		bool skipped = false;
		if (kl < 0 || vlen < 0) {
			b->len = keep, b->over = false, *n = n0;
			return -EINVAL;
		}
		for (size_t s = 0; skip && skip[s]; s++)
			if (!strncmp(key, skip[s], strlen(skip[s])))
				skipped = true;
		if (skipped) {
			log_msg(LOG_WARNING, "agent", "%s: label '%s' is ecs-bootstrap's own: not given", what, key);
			continue;
		}
		if ((*n)++)
			strbuf_put(b, ",", 1);
		jstr(b, key, (size_t) kl);
		strbuf_put(b, ":", 1);
		jstr(b, val, (size_t) vlen);
	}
	return 0;
}

/* ECS_AGENT_LABELS: a JSON object of strings, the container's labels (ecs-init: an invalid
 * value gives no labels; `{}` none).  Ours keep their names. */
static void labels_members(const char *cfg, size_t cfg_len, struct strbuf *b, size_t *n)
{
	static const char *const ours[] = { "managed-by", "ecs-bootstrap.", NULL };
	const char *v;
	size_t vl;

	if (ecsconfig_get(cfg, cfg_len, "ECS_AGENT_LABELS", &v, &vl) != 1 || vl == 0)
		return;
	if (json_object_members("ECS_AGENT_LABELS", v, vl, ours, b, n) < 0)
		log_msg(LOG_WARNING, "agent", "ECS_AGENT_LABELS in %s is not a JSON object of strings: no labels from it "
			"(as ecs-init)", PATH_ECS_CONFIG);
}

/* LogConfig, as ecs-init makes it: ECS_LOG_DRIVER (one of eight Docker drivers; another is
 * warned and json-file used, without ECS_LOG_OPTS) with ECS_LOG_OPTS (a JSON object of
 * strings); json-file without options gets max-size ECS_INIT_DOCKER_LOG_FILE_SIZE (16m)
 * and max-file ECS_INIT_DOCKER_LOG_FILE_NUM (4). */
static void log_config(const char *cfg, size_t cfg_len, struct strbuf *b)
{
	static const char *const drivers[] = { "awslogs", "fluentd", "gelf", "json-file", "journald", "logentries", "syslog", "splunk" };
	const char *v, *opts = NULL;
	size_t vl, opts_len = 0, n = 0;
	char driver[16] = "json-file";
	bool have_opts = false;

	if (ecsconfig_get(cfg, cfg_len, "ECS_LOG_OPTS", &opts, &opts_len) == 1 && opts_len > 0)
		have_opts = true;
	if (ecsconfig_get(cfg, cfg_len, "ECS_LOG_DRIVER", &v, &vl) == 1 && vl > 0) {
		bool ok = false;
		for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
			if (strlen(drivers[i]) == vl && !strncmp(v, drivers[i], vl))
				ok = true, (void) snprintf(driver, sizeof driver, "%s", drivers[i]);
		if (!ok) {
			log_msg(LOG_WARNING, "agent", "ECS_LOG_DRIVER '%.*s' is not one of awslogs, fluentd, gelf, json-file, journald, "
				"logentries, syslog, splunk: json-file with its default options instead (as ecs-init)", (int) (vl > 64 ? 64 : vl), v);
			have_opts = false;
		}
	}
	strbuf_puts(b, "\"LogConfig\":{\"Type\":\"");
	strbuf_puts(b, driver);
	strbuf_puts(b, "\",\"Config\":{");
	if (have_opts) {
		size_t keep = b->len;
		if (json_object_members("ECS_LOG_OPTS", opts, opts_len, NULL, b, &n) < 0) {
			log_msg(LOG_WARNING, "agent", "ECS_LOG_OPTS in %s is not a JSON object of strings: not used (as ecs-init)",
				PATH_ECS_CONFIG);
			b->len = keep;
			have_opts = false;
		}
	}
	if (!have_opts && !strcmp(driver, "json-file")) {
		const char *size = "16m", *num = "4";
		char sz[64], nm[64];
		if (ecsconfig_get(cfg, cfg_len, "ECS_INIT_DOCKER_LOG_FILE_SIZE", &v, &vl) == 1 && vl > 0 && vl < sizeof sz)
			(void) snprintf(sz, sizeof sz, "%.*s", (int) vl, v), size = sz;
		if (ecsconfig_get(cfg, cfg_len, "ECS_INIT_DOCKER_LOG_FILE_NUM", &v, &vl) == 1 && vl > 0 && vl < sizeof nm)
			(void) snprintf(nm, sizeof nm, "%.*s", (int) vl, v), num = nm;
		strbuf_puts(b, "\"max-size\":");
		jstr(b, size, strlen(size));
		strbuf_puts(b, ",\"max-file\":");
		jstr(b, num, strlen(num));
	}
	strbuf_puts(b, "}},");
}

/* AppArmor: on a host where it is enabled, the agent runs with ecs-agent-default (written
 * and loaded by the service step: apparmor.c), or the profile ECS_AGENT_APPARMOR_PROFILE
 * names (it must be loaded).  Neither there: Docker's own default, warned. */
static void security_opt(struct run *r, const char *cfg, size_t cfg_len, struct strbuf *b)
{
	const char *v = NULL;
	size_t vl = 0;
	char opt[300];
	int k;

	if (ecsconfig_get(cfg, cfg_len, "ECS_AGENT_APPARMOR_PROFILE", &v, &vl) == 1) {
		while (vl > 0 && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
	}
	if (!apparmor_enabled(r)) {
		if (vl > 0)
			log_msg(LOG_WARNING, "agent", "ECS_AGENT_APPARMOR_PROFILE has no effect: AppArmor is not enabled on this host");
		return;
	}
	if (vl == 0) {
		if (!apparmor_loaded(r, APPARMOR_PROFILE_NAME)) {
			log_msg(LOG_WARNING, "agent", "AppArmor is enabled but the profile %s is not loaded (run ecs-bootstrap run): "
				"the agent gets Docker's default profile", APPARMOR_PROFILE_NAME);
			return;
		}
		v = APPARMOR_PROFILE_NAME, vl = strlen(APPARMOR_PROFILE_NAME);
	}
	k = snprintf(opt, sizeof opt, "apparmor=%.*s", (int) (vl > 250 ? 250 : vl), v);
	strbuf_puts(b, "\"SecurityOpt\":[");
	jstr(b, opt, (size_t) k);
	strbuf_puts(b, "],");
}

/* DOCKER_HOST in ecs.config tells the agent where Docker is; ecs-init binds that socket into
 * the container at that path.  /var/run is bound whole, so only a socket elsewhere needs it. */
static int docker_host_bind(struct run *r, const char *cfg, size_t cfg_len, struct strbuf *b)
{
	const char *v, *src = r->docker_host && !strncmp(r->docker_host, "unix://", 7) ? r->docker_host + 7 : "/var/run/docker.sock";
	size_t vl;
	char bind[300];

	if (ecsconfig_get(cfg, cfg_len, "DOCKER_HOST", &v, &vl) != 1 || vl <= 7 || strncmp(v, "unix://", 7) != 0)
		return 0; /* unset, or TCP: the agent connects itself */
	v += 7, vl -= 7;
	if (v[0] != '/' || vl > 250 || memchr(v, ':', vl))
		return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE, "DOCKER_HOST in %s: want unix:///absolute/path (no ':')",
				PATH_ECS_CONFIG);
	if ((vl > 9 && !strncmp(v, "/var/run/", 9)) || (vl > 5 && !strncmp(v, "/run/", 5)))
		return 0;
	(void) snprintf(bind, sizeof bind, "%s:%.*s", src, (int) vl, v);
	strbuf_put(b, ",", 1);
	jstr(b, bind, strlen(bind));
	return 0;
}

/* The settings ecs-init honours that ecs-bootstrap does not: said, not ignored. */
static void say_no_effect(struct run *r, const char *cfg, size_t cfg_len)
{
	const char *v;
	size_t vl;

	if (ecsconfig_bool(cfg, cfg_len, "ECS_EXTERNAL"))
		log_msg(LOG_WARNING, "agent", "ECS_EXTERNAL=true: ecs-bootstrap sets up EC2 instances, not ECS Anywhere; "
			"ecs-init's ECS Anywhere options (the /root/.aws credentials bind) are not given, only the key itself");
	if (ecsconfig_bool(cfg, cfg_len, "ECS_GMSA_SUPPORTED") ||
	    ecsconfig_get(cfg, cfg_len, "CREDENTIALS_FETCHER_HOST", &v, &vl) == 1)
		log_msg(LOG_WARNING, "agent", "ECS_GMSA_SUPPORTED / CREDENTIALS_FETCHER_HOST have no effect: ecs-bootstrap does "
			"not bind the credentials-fetcher socket (gMSA on Linux) nor check for a domain join");
	if (ecsconfig_bool(cfg, cfg_len, "ECS_ENABLE_GPU_SUPPORT") &&
	    fileio_exists(r->root_fd, "/var/lib/ecs/gpu/nvidia-gpu-info.json") <= 0)
		log_msg(LOG_WARNING, "agent", "ECS_ENABLE_GPU_SUPPORT=true: ecs-bootstrap does not set up GPUs "
			"(ecs-init's NVIDIA step writes /var/lib/ecs/gpu/nvidia-gpu-info.json, which is missing)");
	if (ecsconfig_get(cfg, cfg_len, "ECS_OFFHOST_INTROSPECTION_INTERFACE_NAME", &v, &vl) == 1)
		log_msg(LOG_WARNING, "agent", "ECS_OFFHOST_INTROSPECTION_INTERFACE_NAME has no effect: the introspection "
			"port is closed to every interface but lo (as ecs-init does since 2020)");
}

/* The create request for the agent container.  restart_policy: without systemd, Docker
 * restarts the agent itself (on-failure:10, as the installation document's docker run). */
static int container_body(struct run *r, size_t cfg_len, struct strbuf *b, bool restart_policy, char cfg_hash[65])
{
	struct envctx ec = { b, true };
	struct envfile_ops ops = { .entry = env_entry, .lookup = env_lookup, .ctx = &ec };
	const char *cfg = r->agent_cfg;
	size_t nlabels = 3;
	bool privileged = r->selinux_enforcing;
	int k;

	config_hash(cfg, cfg_len, cfg_hash);
	strbuf_puts(b, "{\"Image\":\"" AGENT_REPO ":" AGENT_TAG "\",\"Labels\":{\"managed-by\":\"ecs-bootstrap\",\"" CONFIG_LABEL "\":\"");
	strbuf_puts(b, cfg_hash);
	strbuf_puts(b, restart_policy ? "\",\"" SUPERVISOR_LABEL "\":\"docker\"" : "\",\"" SUPERVISOR_LABEL "\":\"agent\"");
	labels_members(cfg, cfg_len, b, &nlabels);
	strbuf_puts(b, "},\"Env\":[");
	/* ecs-init's defaults, then its host-dependent ones, then ecs.config's entries; a default
	 * whose key ecs.config sets is left out, so every key is given once */
	{
		char e1[200];
		bool first = true;
		(void) snprintf(e1, sizeof e1, "ECS_DETAILED_OS_FAMILY=%s_%s", r->os_id[0] ? r->os_id : "linux", r->os_version_id);
		for (size_t i = 0; i < sizeof default_env / sizeof default_env[0]; i++)
			env_default(b, &first, cfg, cfg_len, default_env[i]);
		env_default(b, &first, cfg, cfg_len, e1);
		if (fileio_exists(r->root_fd, "/etc/pki/tls/certs") > 0)
			env_default(b, &first, cfg, cfg_len, "SSL_CERT_DIR=/etc/pki/tls/certs");
		else if (fileio_exists(r->root_fd, "/etc/ssl/certs") > 0)
			env_default(b, &first, cfg, cfg_len, "SSL_CERT_DIR=/etc/ssl/certs");
		env_default(b, &first, cfg, cfg_len, fileio_exists(r->root_fd, PATH_EBS_MOUNT_DIR) > 0 ?
			    "ECS_EBSTA_SUPPORTED=true" : "ECS_EBSTA_SUPPORTED=false");
		if (fileio_exists(r->root_fd, VOLUME_PLUGIN_SOCKET) > 0)
			env_default(b, &first, cfg, cfg_len, "ECS_VOLUME_PLUGIN_CAPABILITIES=[\"efsAuth\"]");
		ec.first = first;
	}
	k = envfile_parse(cfg, cfg_len, &ops, &r->err);
	if (k < 0)
		return err_setx(&r->err, k, BS_EXIT_USAGE, "'%s' does not parse (run `ecs-bootstrap run` first)", PATH_ECS_CONFIG);
	/* ecs-init: ECS_AGENT_RUN_PRIVILEGED=true in ecs.config runs the agent privileged. */
	if (ecsconfig_bool(cfg, cfg_len, "ECS_AGENT_RUN_PRIVILEGED"))
		privileged = true;
	strbuf_puts(b, "],\"HostConfig\":{\"NetworkMode\":\"host\",\"UsernsMode\":\"host\",\"CapAdd\":[\"NET_ADMIN\",\"SYS_ADMIN\"],"
		 "\"Init\":true,");
	log_config(cfg, cfg_len, b);
	security_opt(r, cfg, cfg_len, b);
	/* ecs-init: the agent in the host's PID namespace, when asked */
	if (ecsconfig_bool(cfg, cfg_len, "ECS_AGENT_PID_NAMESPACE_HOST"))
		strbuf_puts(b, "\"PidMode\":\"host\",");
	say_no_effect(r, cfg, cfg_len);
	strbuf_puts(b, privileged ? "\"Privileged\":true," : "\"Privileged\":false,");
	if (restart_policy)
		strbuf_puts(b, "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":10},");
	strbuf_puts(b, "\"Binds\":[");
	for (size_t i = 0, n = 0; i < sizeof binds / sizeof binds[0]; i++) {
		char bind[160], src[128];
		/* SELinux: the agent's log and data directories get a private label. */
		bool z = r->selinux_enforcing && (i == 1 || i == 2);
		(void) snprintf(src, sizeof src, "%.*s", (int) strcspn(binds[i].bind, ":"), binds[i].bind);
		if (binds[i].optional && fileio_exists(r->root_fd, binds[i].when ? binds[i].when : src) <= 0)
			continue;
		(void) snprintf(bind, sizeof bind, "%s%s", binds[i].bind, z ? ":Z" : "");
		if (n++)
			strbuf_put(b, ",", 1);
		jstr(b, bind, strlen(bind));
	}
	if (docker_host_bind(r, cfg, cfg_len, b) < 0)
		return -EINVAL;
	strbuf_puts(b, "]}}");
	if (b->over)
		return err_setx(&r->err, -E2BIG, BS_EXIT_USAGE, "the agent's configuration is larger than %d bytes", BODY_MAX);
	return 0;
}

/* ECS_CLUSTER of the ecs.config read into r->agent_cfg (cfg_len bytes): 1 with buf, 0 when none. */
static int config_cluster(const struct run *r, size_t cfg_len, char *buf, size_t cap)
{
	const char *v;
	size_t vl;

	if (ecsconfig_get(r->agent_cfg, cfg_len, "ECS_CLUSTER", &v, &vl) != 1 || vl == 0)
		return 0;
	(void) snprintf(buf, cap, "%.*s", (int) vl, v);
	return 1;
}

int agent_config_cluster(struct run *r, char *buf, size_t cap)
{
	ssize_t len = read_config(r, &r->err);
	return len < 0 ? (int) len : config_cluster(r, (size_t) len, buf, cap);
}

/* A cluster change.  The agent's data (PATH_AGENT_DATA) holds its registration, in the
 * cluster it last ran in; started with another, the real agent refuses ("Data mismatch;
 * saved cluster ... does not match configured cluster", exit 5, terminal).  So when ecs.config
 * names another cluster than the last start did, the data goes first and the agent registers
 * in the new cluster as a new container instance: what the ECS documents tell an operator to
 * do by hand.  The old container instance stays in the old cluster (disconnected) until
 * deregistered: said in the log.  Returns 0 or < 0. */
static int cluster_switch(struct run *r, size_t cfg_len, char now[300])
{
	char was[300];
	size_t n = 0, removed = 0;
	struct bs_err ignore;
	int k;

	if (config_cluster(r, cfg_len, now, 300) == 0)
		(void) snprintf(now, 300, "default"); /* the agent's own default */
	if (fileio_read_bounded(r->root_fd, PATH_AGENT_CLUSTER, was, sizeof was, &n, &ignore) < 0)
		return 0; /* no record (a first start, or an older ecs-bootstrap): nothing to compare */
	was[strcspn(was, "\n")] = '\0';
	if (!strcmp(was, now))
		return 0;
	k = fileio_empty_dir(r->root_fd, PATH_AGENT_DATA, &removed, &r->err);
	if (k < 0)
		return err_wrap(&r->err, "ECS_CLUSTER changed from '%s' to '%s'", was, now);
	log_msg(LOG_WARNING, "agent",
		"ECS_CLUSTER changed from '%s' to '%s': the agent's data removed (%zu entries), so it registers in '%s' "
		"as a new container instance; the old one stays in '%s' until deregistered "
		"(aws ecs deregister-container-instance --cluster %s --container-instance ID --force)",
		was, now, removed, now, was, was);
	return 0;
}

int agent_container_start(struct run *r, struct docker *d, bool restart_policy, char cfg_hash[65])
{
	char cluster[300], line[310];
	static char body[BODY_MAX];
	struct strbuf b = { body, 0, sizeof body, false };
	char id[80];
	ssize_t cfg_len = 0;
	int k;

	k = docker_container_remove(d, AGENT_CONTAINER, &r->err); /* a stale one from an earlier life */
	if (k == 0 && (cfg_len = read_config(r, &r->err)) < 0) /* ecs.config as it is now, read once */
		k = (int) cfg_len;
	if (k == 0)
		k = cluster_switch(r, (size_t) cfg_len, cluster);
	if (k == 0)
		k = container_body(r, (size_t) cfg_len, &b, restart_policy, cfg_hash);
	if (k == 0)
		k = docker_container_create(d, AGENT_CONTAINER, body, b.len, id, sizeof id, &r->err);
	if (k == 0)
		k = docker_container_start(d, AGENT_CONTAINER, &r->err);
	if (k == 0) { /* the cluster it started in, for the next start to compare */
		struct bs_err e;
		int n = snprintf(line, sizeof line, "%s\n", cluster);
		if (fileio_write_atomic(r->root_fd, PATH_AGENT_CLUSTER, line, (size_t) n, 0644, &e) < 0)
			log_msg(LOG_WARNING, "agent", "%s (a later change of cluster will not be noticed)", e.msg);
	}
	if (k == 0)
		log_msg(LOG_INFO, "agent", "container %s started (%.12s)", AGENT_CONTAINER, id);
	return k;
}

int agent_start_with_restart_policy(struct run *r)
{
	struct docker *d = &r->docker;
	char cfg_hash[65];
	int k = docker_open(d, r->root, r->docker_host, &r->err);
	return k < 0 ? k : agent_container_start(r, d, true, cfg_hash);
}

int agent_container_current(struct run *r)
{
	static const char *const keys[] = { SUPERVISOR_LABEL, CONFIG_LABEL };
	struct docker *d = &r->docker;
	char supervisor[80], cfg_label[80], now[65];
	char *vals[] = { supervisor, cfg_label };
	int running = 0, code = 0, k = docker_open(d, r->root, r->docker_host, &r->err);
	if (k < 0) { /* the docker step's to fix (plan goes on); the start says it again */
		run_why(r, "%s", r->err.msg);
		err_clear(&r->err);
		return 0;
	}
	k = docker_container_state(d, AGENT_CONTAINER, &running, &code, &r->err);
	if (k == -ENOENT) {
		err_clear(&r->err);
		run_why(r, "no systemd: there is no ecs-agent container (Docker restart policy)");
		return 0;
	}
	if (k < 0)
		return k;
	if (!running) {
		run_why(r, "no systemd: the ecs-agent container (Docker restart policy) is not running");
		return 0;
	}
	k = docker_container_labels(d, AGENT_CONTAINER, keys, vals, 2, sizeof supervisor, &r->err);
	if (k < 0)
		return k == -ENOENT ? 0 : k;
	if (!strcmp(supervisor, "agent"))
		return 1; /* `ecs-bootstrap agent` supervises it, and applies ecs.config changes itself */
	agent_config_hash(r, now);
	if (strcmp(cfg_label, now) != 0) {
		run_why(r, "ecs.config changed since the ecs-agent container was made from it");
		return 0;
	}
	return 1;
}

void agent_state_get(struct run *r, struct agent_state *a)
{
	struct docker *d = &r->docker;
	struct bs_err e;
	int running = 0, k;

	memset(a, 0, sizeof *a);
	if (docker_open(d, r->root, r->docker_host, &e) < 0) {
		a->state = "unknown";
		(void) snprintf(a->detail, sizeof a->detail, "Docker is not answering (%s)", e.msg);
		return;
	}
	k = docker_container_state(d, AGENT_CONTAINER, &running, &a->exit_code, &e);
	if (k == -ENOENT)
		a->state = "absent", (void) snprintf(a->detail, sizeof a->detail, "no %s container", AGENT_CONTAINER);
	else if (k < 0)
		a->state = "unknown", (void) snprintf(a->detail, sizeof a->detail, "%s", e.msg);
	else if (running)
		a->state = "running", (void) snprintf(a->detail, sizeof a->detail, "container %s running", AGENT_CONTAINER);
	else
		a->state = "exited", (void) snprintf(a->detail, sizeof a->detail, "container %s exited with %d",
						     AGENT_CONTAINER, a->exit_code);
}

void agent_status(struct run *r)
{
	struct agent_state a;

	agent_state_get(r, &a);
	printf("agent: %s\n", a.detail);
}
