/* cmd_fetch.h: `ecs-bootstrap fetch` (cmd_fetch.c). */
#ifndef BS_CMD_FETCH_H
#define BS_CMD_FETCH_H

#include "run.h"

int cmd_fetch(struct run *r, const char *url, const char *out, const char *want_sha256, const char *region);

#endif
