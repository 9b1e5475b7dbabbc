/* cmd_verify.h: `ecs-bootstrap verify` and `image inspect` (cmd_verify.c). */
#ifndef BS_CMD_VERIFY_H
#define BS_CMD_VERIFY_H

#include <stddef.h>

#include "run.h"

int cmd_verify(struct run *r, const char *data, const char *sig, const char *const *keyrings, size_t n_keyrings);
int cmd_image_inspect(struct run *r, const char *tar);

#endif
