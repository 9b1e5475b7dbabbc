/* cmd_agent.c: `ecs-bootstrap agent`, what ecs.service runs: the ecs-init role.
 *
 * 1. Re-apply the steps the table marks STEP_AT_AGENT (preflight, sysctl, nat, the agent
 *    image from the verified cache when there is one, host-dirs), holding the run lock.
 * 2. Start the agent container (agent_container.c: a stale one is replaced).
 * 3. Wait: a state poll every second, until a signal, an ecs.config change or its exit.
 * 4. Decide: a signal (SIGTERM, SIGINT) stops the container (30 s grace) and exits 0, as
 *    does one that arrives while step 1 runs, before any container is made; a changed
 *    ecs.config stops it and starts a new one, which reads the new file (the agent reads
 *    its environment only at start); exit 0 -> exit 0; 5 -> exit 5 (the agent's terminal
 *    error: restarting cannot help); 42 (the agent downloaded an update) -> load the update
 *    when it verifies against the trust set (step_agent_image.c, agent_image_update) and
 *    restart at once, on the new image or, refused, on the current one; anything else ->
 *    restart after a backoff.
 * 5. Back off: 1 s doubling to 60 s, jittered (half to full), reset by a 42 or a change.
 */
#include "cmd_agent.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "agent_container.h"
#include "lib/docker.h"
#include "lib/fault.h"
#include "lib/fileio.h"
#include "log.h"
#include "steps.h"

#define STOP_GRACE_S 30

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void) sig;
	stopping = 1;
}

static void nap_ms(long long ms)
{
	struct timespec ts = { .tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000L };
	(void) nanosleep(&ts, NULL); /* a signal ends it early, which is what we want */
}

static int fail(struct run *r)
{
	return r->err.code < 0 ? r->err.code : -EIO; /* main reports it */
}

enum watch_end { END_SIGNAL, END_RECONFIGURED, END_EXITED };

/* Wait while the container runs, made from the ecs.config whose sha256 is cfg_hash.
 * END_EXITED leaves its exit code in *exit_code (-1: the container disappeared). */
static int wait_container(struct run *r, struct docker *d, const char *cfg_hash, enum watch_end *end, int *exit_code)
{
	int running = 1, k;
	char now[65];

	while (!stopping) {
		nap_ms(1000);
		if (stopping)
			break;
		k = docker_container_state(d, AGENT_CONTAINER, &running, exit_code, &r->err);
		if (k == -ENOENT) {
			log_msg(LOG_WARNING, "agent", "container %s disappeared; starting a new one", AGENT_CONTAINER);
			*exit_code = -1;
			*end = END_EXITED;
			return 0;
		}
		if (k < 0)
			return k;
		if (!running) {
			*end = END_EXITED;
			return 0;
		}
		agent_config_hash(r, now);
		if (now[0] && strcmp(now, cfg_hash) != 0) {
			*end = END_RECONFIGURED;
			return 0;
		}
	}
	*end = END_SIGNAL;
	return 0;
}

/* An image made by bake without --cluster boots with an ecs.config that names no cluster, and
 * ecs.service starts before the user data's run sets one: the agent would register in
 * "default" (creating it), and then refuse the cluster the run names (exit 5).  So no agent
 * until ecs.config names a cluster (checked every 2 s), or a SIGTERM.  0 or < 0. */
/* An instance made from a baked image whose first run has not happened (bake's marker is
 * there) while cloud-init, which runs the user data, is at work this boot. */
static bool before_first_run(struct run *r)
{
	return fileio_exists(r->root_fd, PATH_BAKED) > 0 && fileio_exists(r->root_fd, PATH_CLOUD_INIT_RUN) > 0 &&
	       fileio_exists(r->root_fd, PATH_CLOUD_INIT_RESULT) <= 0;
}

static int wait_cluster(struct run *r)
{
	char cluster[300];
	bool said = false, said_first = false;
	int k = 0;

	for (; !stopping; nap_ms(2000)) {
		if (before_first_run(r)) {
			if (!said_first)
				log_msg(LOG_INFO, "agent", "an instance made from a baked image, before its first run: the agent waits "
					"for it (or for cloud-init to finish), so that it registers only in the cluster the run names");
			said_first = said = true;
			continue;
		}
		k = agent_config_cluster(r, cluster, sizeof cluster);
		if (k != 0)
			break;
		if (!said)
			log_msg(LOG_INFO, "agent", "ecs.config names no cluster (an image made by bake): the agent waits until a run "
				"sets one (ecs-bootstrap run --cluster NAME)");
		said = true;
	}
	if (!stopping && k < 0)
		return k;
	if (said && !stopping)
		log_msg(LOG_INFO, "agent", "ecs.config names cluster '%s': starting the agent", cluster);
	return 0;
}

enum decision { EXIT_NOW, RESTART_NOW, RESTART_LATER };

/* What an exit of the agent calls for (logged); *code: the exit code for EXIT_NOW. */
static enum decision decide(struct run *r, int exit_code, int *code)
{
	log_msg(LOG_INFO, "agent", "container %s exited with %d", AGENT_CONTAINER, exit_code);
	if (exit_code == 0) {
		*code = BS_EXIT_OK;
		return EXIT_NOW;
	}
	if (exit_code == 5) {
		log_msg(LOG_FATAL, "agent", "the agent reported a terminal error (exit 5): not restarting; see /var/log/ecs/ecs-agent.log");
		*code = 5;
		return EXIT_NOW;
	}
	if (exit_code == 42) {
		/* The agent downloaded an update and exits for it to be loaded: loaded only when it
		 * verifies; either way the agent starts again at once. */
		int k = agent_image_update(r);
		if (k < 0) {
			log_msg(LOG_WARNING, "agent", "update not loaded: %s; restarting the current image", r->err.msg);
			err_clear(&r->err);
			return RESTART_LATER;
		}
		log_msg(LOG_INFO, "agent", k ? "update loaded: restarting the agent on it" : "restarting the current image");
		return RESTART_NOW;
	}
	return RESTART_LATER;
}

/* Sleep the next backoff (1 s doubling to 60 s, jittered: half to full). */
static void back_off(long long *backoff)
{
	unsigned int rnd = 0;
	long long ms;

	*backoff = *backoff ? *backoff * 2 : 1000;
	if (*backoff > 60000)
		*backoff = 60000;
	if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t) sizeof rnd)
		rnd = (unsigned int) time(NULL);
	ms = *backoff / 2 + (long long) (rnd % (unsigned) (*backoff / 2 + 1));
	log_msg(LOG_INFO, "agent", "restarting in %lld ms", ms);
	nap_ms(ms);
}

int cmd_agent(struct run *r)
{
	struct sigaction sa;
	struct docker *d = &r->docker;
	long long backoff = 0;
	int code;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: a signal cuts the current wait short */
	(void) sigaction(SIGTERM, &sa, NULL);
	(void) sigaction(SIGINT, &sa, NULL);
	code = steps_run_phase(r, STEP_AT_AGENT);
	if (stopping) {
		/* systemctl stop (or shutdown) while the steps ran: no container for a unit going down. */
		log_msg(LOG_INFO, "agent", "stopped before the agent container was started (%s)",
			code ? "the steps were interrupted" : "the steps had finished");
		return BS_EXIT_OK;
	}
	if (code)
		return code;
	if (docker_open(d, r->root, r->docker_host, &r->err) < 0)
		return fail(r);
	for (;;) {
		char cfg_hash[65];
		enum watch_end end;
		int exit_code = 0;

		FAULT_POINT("agent-before-container");
		if (wait_cluster(r) < 0)
			return fail(r);
		if (stopping) /* a SIGTERM since: no new container for a unit going down */
			return log_msg(LOG_INFO, "agent", "stopped before the agent container was started"), BS_EXIT_OK;
		if (agent_container_start(r, d, false, cfg_hash) < 0 ||
		    wait_container(r, d, cfg_hash, &end, &exit_code) < 0)
			return fail(r);
		if (end == END_SIGNAL) {
			log_msg(LOG_INFO, "agent", "stopping container %s (at most %d s)", AGENT_CONTAINER, STOP_GRACE_S);
			if (docker_container_stop(d, AGENT_CONTAINER, STOP_GRACE_S, &r->err) < 0)
				return fail(r);
			log_msg(LOG_INFO, "agent", "stopped");
			return BS_EXIT_OK;
		}
		if (end == END_RECONFIGURED) {
			log_msg(LOG_INFO, "agent", "ecs.config changed: restarting the agent to apply it (stopping %s, at most %d s)",
				AGENT_CONTAINER, STOP_GRACE_S);
			if (docker_container_stop(d, AGENT_CONTAINER, STOP_GRACE_S, &r->err) < 0)
				return fail(r);
			backoff = 0;
			continue;
		}
		switch (decide(r, exit_code, &code)) {
		case EXIT_NOW:
			return code;
		case RESTART_NOW:
			backoff = 0;
			break;
		case RESTART_LATER:
			back_off(&backoff);
			if (stopping)
				return BS_EXIT_OK;
			break;
		}
	}
}
