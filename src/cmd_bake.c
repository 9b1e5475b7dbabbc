/* cmd_bake.c: `ecs-bootstrap bake` (a Packer step): converge what an image can hold (the
 * steps the table marks STEP_AT_BAKE), then remove what belongs to an instance: the agent
 * container, its data and logs, the checkpoints that are valid for one boot or one instance,
 * and ECS_CLUSTER unless --cluster was given (the ecs-config step left it out). */
#include "cmd_bake.h"

#include "agent_container.h"
#include "lib/docker.h"
#include "lib/fileio.h"
#include "log.h"
#include "steps.h"

#define BAKED_TEXT \
	"ecs-bootstrap bake made this image: on an instance made from it, the agent waits for the\n" \
	"instance's first ecs-bootstrap run (or for cloud-init to finish); that run removes this file.\n"

int cmd_bake(struct run *r)
{
	struct docker *d = &r->docker;
	size_t n;
	int code = steps_run_phase(r, STEP_AT_BAKE);

	if (code)
		return code;
	/* The agent container and its state: an instance made from the image starts afresh. */
	if (docker_open(d, r->root, r->docker_host, &r->err) == 0 && docker_container_remove(d, AGENT_CONTAINER, &r->err) == 0)
		log_msg(LOG_INFO, "bake", "removed: container %s (if it existed)", AGENT_CONTAINER);
	else
		log_msg(LOG_WARNING, "bake", "%s, ignoring", r->err.msg);
	if (fileio_empty_dir(r->root_fd, PATH_AGENT_DATA, &n, &r->err) < 0)
		return r->err.code;
	log_msg(LOG_INFO, "bake", "removed: %zu entries of agent data in /var/lib/ecs/data", n);
	if (fileio_empty_dir(r->root_fd, "/var/log/ecs", &n, &r->err) < 0)
		return r->err.code;
	log_msg(LOG_INFO, "bake", "removed: %zu agent log entries in /var/log/ecs", n);
	if (steps_forget_instance(r) < 0 || fileio_unlink(r->root_fd, PATH_AGENT_CLUSTER, &r->err) < 0)
		return r->err.code;
	log_msg(LOG_INFO, "bake", "%s", r->cluster ? "kept: ECS_CLUSTER (given with --cluster)" : "removed: ECS_CLUSTER from ecs.config (set it at boot with --cluster)");
	/* An instance made from the image: its ecs.service starts before its user data runs, so
	 * the agent waits for the instance's first run (or for cloud-init to finish) instead of
	 * registering in the baked cluster (or none) and then moving. */
	if (fileio_write_atomic(r->root_fd, PATH_BAKED, BAKED_TEXT, sizeof BAKED_TEXT - 1, 0644, &r->err) < 0)
		return r->err.code;
	log_msg(LOG_INFO, "bake", "wrote %s: the agent of an instance made from the image waits for its first run", PATH_BAKED);
	return BS_EXIT_OK;
}
