/* cmd.h: commands that are not the step runner. */
#ifndef BS_CMD_H
#define BS_CMD_H

#include <stdbool.h>

#include "run.h"

int cmd_config_show(struct run *r, const char *file, bool show_secrets);
int cmd_verify(struct run *r, const char *data, const char *sig, const char *const *keyrings, size_t n_keyrings);
int cmd_image_inspect(struct run *r, const char *tar);
int cmd_agent(struct run *r);
int cmd_bake(struct run *r);
void agent_status(struct run *r);
/* Without systemd: create and start the agent container with a Docker restart policy. */
int agent_start_with_restart_policy(struct run *r);
/* 1 if the ecs-agent container is running and was made from ecs.config as it is now; 0 if
 * not (why in r->why); < 0 on errors. */
int agent_container_current(struct run *r);
int cmd_fetch(struct run *r, const char *url, const char *out, const char *want_sha256, const char *region);

#endif
