/* cmd_bake.h: `ecs-bootstrap bake` (cmd_bake.c), a Packer step. */
#ifndef BS_CMD_BAKE_H
#define BS_CMD_BAKE_H

#include "run.h"

/* Converge what an image holds, then remove what belongs to an instance.  Exit code. */
int cmd_bake(struct run *r);

#endif
