/* fuzz_pgp.c: OpenPGP armor, keys and signature packets on arbitrary bytes.  The first
 * byte picks the target: odd, a keyring (several armored blocks included); 2, the text-mode
 * canonicaliser: the rest is data fed whole and in three pieces (cut where the next two bytes
 * say) under a text signature, and both hashes must equal that of a plain line-by-line
 * canonicalisation done here; otherwise a signature checked against the embedded ECS key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pgp.h"
#include "trust.h"

/* A v4 text signature (class 0x01, RSA, SHA-256) made 2020-09-13 naming the ECS signing
 * subkey 50DECCC4710E61AF in its hashed area.  Its RSA value is a dummy: pgp_verify_init
 * takes it (the value is only checked at the end), which is all the canonicaliser needs. */
static const unsigned char text_sig[] = {
	0xC2, 0x1D,                                          /* new-format signature packet, 29 bytes */
	0x04, 0x01, 0x01, 0x08, 0x00, 0x10,                  /* v4, text, RSA, SHA-256, 16 hashed bytes */
	0x05, 0x02, 0x5F, 0x5E, 0x10, 0x00,                  /* creation time 1600000000 */
	0x09, 0x10, 0x50, 0xDE, 0xCC, 0xC4, 0x71, 0x0E, 0x61, 0xAF, /* issuer */
	0x00, 0x00,                                          /* no unhashed subpackets */
	0x00, 0x00,                                          /* left 16 bits */
	0x00, 0x01, 0x01,                                    /* the RSA value: 1 */
};

/* The text GnuPG hashes, the simple way: each line with its trailing CRs removed, CRLF
 * after every line that had an LF.  out holds 2 * n. */
static size_t canon_ref(const uint8_t *d, size_t n, unsigned char *out)
{
	size_t o = 0, line = 0;

	for (size_t i = 0; i <= n; i++) {
		size_t end = i;
		if (i < n && d[i] != '\n')
			continue;
		while (end > line && d[end - 1] == '\r')
			end--;
		memcpy(out + o, d + line, end - line);
		o += end - line;
		if (i < n) {
			out[o++] = '\r';
			out[o++] = '\n';
		}
		line = i + 1;
	}
	return o;
}

static void text_split(const struct pgp_keyring *ecs, const uint8_t *data, size_t size)
{
	static struct pgp_verify whole, pieces;
	static unsigned char ref[2 << 20];
	struct sha256_ctx h;
	unsigned char a[32], b[32], c[32];
	struct bs_err e;
	size_t n, c1, c2;

	if (size < 2 || size - 2 > sizeof ref / 2)
		return;
	n = size - 2;
	c1 = data[0] % (n + 1);
	c2 = c1 + data[1] % (n - c1 + 1);
	data += 2;
	if (pgp_verify_init(&whole, ecs, text_sig, sizeof text_sig, 1700000000u, &e) != 0 ||
	    pgp_verify_init(&pieces, ecs, text_sig, sizeof text_sig, 1700000000u, &e) != 0)
		abort(); /* the signature above must be taken */
	pgp_verify_update(&whole, data, n);
	pgp_verify_update(&pieces, data, c1);
	pgp_verify_update(&pieces, data + c1, c2 - c1);
	pgp_verify_update(&pieces, data + c2, n - c2);
	sha256_out(&whole.fast[0], a);
	sha256_out(&pieces.fast[0], b);
	sha256_init(&h);
	sha256_update(&h, ref, canon_ref(data, n, ref));
	sha256_out(&h, c);
	if (memcmp(a, b, sizeof a) || memcmp(a, c, sizeof a))
		abort(); /* the canonical text depends on where the data was cut, or is wrong */
}

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
	} else if (data[0] == 2 && loaded > 0) {
		text_split(&ecs, data + 1, size - 1);
	} else if (loaded > 0 && pgp_verify_init(&v, &ecs, data + 1, size - 1, 1700000000u, &e) == 0) {
		pgp_verify_update(&v, "data", 4);
		(void) pgp_verify_final(&v, &good, &key, &e);
	}
	return 0;
}
