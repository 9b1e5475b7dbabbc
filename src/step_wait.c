/* step_wait.c: with --wait, wait until the agent has registered the instance.
 *
 * Owns: nothing.  Converged: GET http://127.0.0.1:51678/v1/metadata (the agent's
 * introspection API) answers a ContainerInstanceArn.  Polled once a second until
 * --wait's deadline; then exit 111 with the last error and the tail of the agent's log
 * (/var/log/ecs/ecs-agent.log).  Without --wait the step says so and returns at once.
 * The registration must be in ecs.config's cluster (ECS_CLUSTER, else "default"; a name
 * or an ARN on either side): an agent that answers with another one for 15 s (an old
 * registration in /var/lib/ecs/data, say) fails the wait with exit 100.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lib/fileio.h"
#include "lib/http.h"
#include "lib/ecsconfig.h"
#include "lib/json.h"
#include "steps.h"
#include "lib/clock.h"

#define METADATA_URL "http://127.0.0.1:51678/v1/metadata"
#define MISMATCH_GRACE_MS 15000 /* time for `agent` to replace a container made from an older ecs.config */

/* The cluster ecs.config names: ECS_CLUSTER, else the agent's default. */
static void want_cluster(const struct run *r, char *out, size_t cap)
{
	const char *v;
	size_t n;
	if (ecsconfig_get(r->cfg, r->cfg_len, "ECS_CLUSTER", &v, &n) == 1 && n > 0)
		(void) snprintf(out, cap, "%.*s", (int) n, v);
	else
		(void) snprintf(out, cap, "default");
}

/* The short name of a cluster given as a name or as arn:...:cluster/NAME. */
static const char *cluster_name(const char *c)
{
	const char *slash = strrchr(c, '/');
	return !strncmp(c, "arn:", 4) && slash ? slash + 1 : c;
}

/* true if the agent's cluster is ecs.config's: equal, or the same name where one side is an
 * ARN (two ARNs must be equal: the same name in another account or region is another cluster). */
bool wait_same_cluster(const char *agent, const char *want)
{
	bool a_arn = !strncmp(agent, "arn:", 4), w_arn = !strncmp(want, "arn:", 4);
	if (a_arn && w_arn)
		return !strcmp(agent, want);
	return !strcmp(cluster_name(agent), cluster_name(want));
}

/* One poll: 1 and the registration in r->done, 0 not yet (why in last), 2 registered in
 * another cluster (why in last). */
static int poll_once(struct run *r, char *last, size_t cap)
{
	static char body[65536];
	static struct http_resp resp;
	static jsmntok_t tok[256];
	struct http_opts o = { .connect_timeout_ms = 1000, .io_timeout_ms = 2000, .max_attempts = 1, .max_redirects = -1,
			       .no_proxy = true, .max_body = sizeof body - 1, .bufs = &r->net.bufs };
	struct http_mem m;
	struct http_sink s;
	struct json j;
	struct bs_err e;
	char cluster[256], arn[512], version[256], want[320];

	http_mem_sink(&s, &m, body, sizeof body);
	if (http_request(METADATA_URL, &o, &s, &resp, &e) < 0) {
		(void) snprintf(last, cap, "%s", e.msg);
		return 0;
	}
	if (resp.status != 200) {
		(void) snprintf(last, cap, "%s: HTTP %d", METADATA_URL, resp.status);
		return 0;
	}
	if (json_parse(&j, body, m.len, tok, 256, &e) < 0 || json_get_string(&j, 0, "ContainerInstanceArn", arn, sizeof arn) <= 0) {
		(void) snprintf(last, cap, "the agent answers but has not registered yet");
		return 0;
	}
	if (json_get_string(&j, 0, "Cluster", cluster, sizeof cluster) < 0)
		cluster[0] = '\0';
	if (json_get_string(&j, 0, "Version", version, sizeof version) < 0)
		version[0] = '\0';
	want_cluster(r, want, sizeof want);
	if (!wait_same_cluster(cluster, want)) {
		(void) snprintf(last, cap, "the agent is registered in cluster '%.120s', but ecs.config says ECS_CLUSTER=%.120s", cluster,
				want);
		return 2;
	}
	run_done(r, "registered: cluster %.60s, %.120s, %.60s", cluster, arn, version);
	return 1;
}

int wait_check(struct run *r)
{
	char last[512] = "no answer yet", tail[1024] = "";
	long long deadline = clock_ms() + (long long) r->wait_s * 1000, mismatch_since = -1;
	struct timespec sec = { 1, 0 };

	if (r->wait_s <= 0) {
		run_done(r, "not asked (--wait)");
		return 1;
	}
	for (;;) {
		int k = poll_once(r, last, sizeof last);
		if (k == 1)
			return 1;
		if (k != 2)
			mismatch_since = -1;
		else if (mismatch_since < 0)
			mismatch_since = clock_ms();
		else if (clock_ms() - mismatch_since >= MISMATCH_GRACE_MS)
			return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE,
					"%s (for %d s): an old registration in /var/lib/ecs/data? Remove it, or set the cluster it names",
					last, MISMATCH_GRACE_MS / 1000);
		if (clock_ms() >= deadline)
			break;
		(void) nanosleep(&sec, NULL);
	}
	{
		static char log[65536];
		size_t n = 0;
		struct bs_err e;
		if (fileio_read_bounded(r->root_fd, "/var/log/ecs/ecs-agent.log", log, sizeof log, &n, &e) == 0 && n) {
			size_t lines = 0, i = n;
			while (i > 0 && lines < 5)
				if (log[--i] == '\n' && i + 1 < n)
					lines++;
			(void) snprintf(tail, sizeof tail, "; the agent's log ends: %.900s", log + (i ? i + 1 : 0));
			for (char *c = tail; *c; c++)
				if (*c == '\n' || *c == '\r')
					*c = c[1] ? '|' : '\0'; /* one log line */
		}
	}
	return err_setx(&r->err, -ETIMEDOUT, BS_EXIT_TEMP, "the agent did not register within %d s: %s%s", r->wait_s, last,
			tail[0] ? tail : "; no agent log yet (/var/log/ecs/ecs-agent.log)");
}
