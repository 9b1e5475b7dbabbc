/* fuzz_pgp.c: OpenPGP armor, keys and signature packets on arbitrary bytes.  The first
 * byte picks the target: a keyring, or a signature checked against the embedded ECS key. */
#include <stdint.h>
#include <string.h>

#include "lib/pgp.h"
#include "trust.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pgp_keyring kr, ecs;
	static struct pgp_verify v;
	static int loaded;
	const struct pgp_sig *good;
	const struct pgp_key *key;
	struct bs_err e;

	if (!loaded)
		loaded = trust_load(&ecs, NULL, 0, 1700000000u, &e) == 0 ? 1 : -1;
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		memset(&kr, 0, sizeof kr);
		(void) pgp_keyring_add(&kr, data + 1, size - 1, 1700000000u, &e);
	} else if (loaded > 0 && pgp_verify_init(&v, &ecs, data + 1, size - 1, 1700000000u, &e) == 0) {
		pgp_verify_update(&v, "data", 4);
		(void) pgp_verify_final(&v, &good, &key, &e);
	}
	return 0;
}
