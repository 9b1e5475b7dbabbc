/* cmd_agent.h: `ecs-bootstrap agent` (cmd_agent.c), what ecs.service runs. */
#ifndef BS_CMD_AGENT_H
#define BS_CMD_AGENT_H

#include "run.h"

/* Supervise the agent container until a signal or a terminal exit.  Returns an exit code. */
int cmd_agent(struct run *r);

#endif
