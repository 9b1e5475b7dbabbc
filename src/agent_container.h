/* agent_container.h: the ecs-agent container: its specification and starting it.  Shared by
 * the service step (without systemd Docker's restart policy supervises it), `agent` (what
 * ecs.service runs) and `status`. */
#ifndef BS_AGENT_CONTAINER_H
#define BS_AGENT_CONTAINER_H

#include <stdbool.h>

#include "lib/docker.h"
#include "run.h"

#define AGENT_CONTAINER "ecs-agent"

/* Replace any container of that name by a new one made from ecs.config as it is now, and
 * start it; cfg_hash gets the sha256 of the ecs.config it was made from.  restart_policy:
 * Docker restarts it (on-failure:10).  0, or < 0 with r->err. */
int agent_container_start(struct run *r, struct docker *d, bool restart_policy, char cfg_hash[65]);
/* Without systemd: create and start the agent container with a Docker restart policy. */
int agent_start_with_restart_policy(struct run *r);
/* 1 if the ecs-agent container is running and was made from ecs.config as it is now; 0 if
 * not (why in r->why); < 0 on errors. */
int agent_container_current(struct run *r);
/* The sha256 of ecs.config as it is now ("" when it cannot be read). */
void agent_config_hash(struct run *r, char hex[65]);

/* The cluster ecs.config names (ECS_CLUSTER) into buf: 1, or 0 when it names none (an image
 * made by bake without --cluster), or < 0 when ecs.config cannot be read. */
int agent_config_cluster(struct run *r, char *buf, size_t cap);
/* The container's state for `status`: state "running", "exited" (exit_code), "absent" or
 * "unknown" (Docker does not answer, or its error: in detail). */
struct agent_state {
	const char *state;
	int exit_code;
	char detail[600]; /* room for an error message (512) and what it is */
};
void agent_state_get(struct run *r, struct agent_state *a);
/* For `status`: one line on the container's state. */
void agent_status(struct run *r);

#endif
