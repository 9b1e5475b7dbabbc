/* cmd_config.h: `ecs-bootstrap config show` (cmd_config.c). */
#ifndef BS_CMD_CONFIG_H
#define BS_CMD_CONFIG_H

#include <stdbool.h>

#include "run.h"

int cmd_config_show(struct run *r, const char *file, bool show_secrets);

#endif
