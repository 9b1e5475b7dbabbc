/* fuzz_ecsconfig.c: render ecs.config from an arbitrary existing file.  Invariants: the
 * result parses, rendering it again gives the same bytes, and the overrides win. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ecsconfig.h"

#define CAP (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[CAP], out2[CAP];
	static const struct ecsconfig_kv defs[] = { { "ECS_DATADIR", "/data" }, { "ECS_CLUSTER", "default" } };
	static const struct ecsconfig_kv ov[] = { { "ECS_CLUSTER", "fuzz" }, { "NEW_KEY", "v" } };
	struct ecsconfig_input in = { .old = (const char *) data, .old_len = size, .defaults = defs, .n_defaults = 2,
				      .overrides = ov, .n_overrides = 2 };
	struct bs_err e;
	const char *v;
	size_t n, n2, vn;

	if (ecsconfig_render(&in, out, CAP, &n, &e) < 0)
		return 0;
	if (ecsconfig_get(out, n, "ECS_CLUSTER", &v, &vn) != 1 || vn != 4 || memcmp(v, "fuzz", 4))
		abort();
	in.old = out;
	in.old_len = n;
	if (ecsconfig_render(&in, out2, CAP, &n2, &e) < 0)
		abort();
	if (n2 != n || memcmp(out, out2, n))
		abort();
	return 0;
}
