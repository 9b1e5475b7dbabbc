/* test_pgp.c: the OpenPGP verifier against the published cases
 * (src/tests/data/openpgp/detached-sig-cases-public.json), the real Amazon ECS key,
 * armor and packet edge cases.  Policy choices are asserted with their reasons. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/pgp.h"
#include "tap.h"
#include "trust.h"

#define DATA "src/tests/data/openpgp/"

static unsigned char *slurp(const char *path, size_t *n)
{
	static unsigned char bufs[4][1 << 16];
	static int next;
	unsigned char *b = bufs[next++ & 3];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r = fd < 0 ? -1 : read(fd, b, sizeof bufs[0]);
	if (fd >= 0)
		close(fd);
	*n = r < 0 ? 0 : (size_t) r;
	return r < 0 ? NULL : b;
}

/* Our policy for the cases the published verdicts leave open. */
static const struct {
	const char *id;
	int accept;
	const char *why;
} policy[] = {
	{ "gc-10-subkey-expired-backsig", 0,
	  "a signing subkey whose 0x19 back-signature has expired is not usable (go-crypto's reading; gpgv accepts)" },
	{ "rs-02-clearsigned-good", 0, "a cleartext-signed message is not a detached signature: refused" },
};

static void cases(void)
{
	static char js[1 << 16];
	static jsmntok_t tok[4096];
	struct json j;
	struct bs_err e;
	size_t n;
	int arr, i;
	unsigned now = (unsigned) time(NULL);
	unsigned char *raw = slurp(DATA "detached-sig-cases-public.json", &n);

	memcpy(js, raw, n);
	OK(json_parse(&j, js, n, tok, 4096, &e) == 0, "case file parses");
	arr = json_get(&j, 0, "cases");
	i = arr + 1;
	for (int c = 0; c < j.tok[arr].size; c++, i = json_skip(&j, i)) {
		static struct pgp_keyring kr;
		static struct pgp_verify v;
		char id[96], verdict[128], path[512], sigp[600], datap[600];
		const struct pgp_sig *good;
		const struct pgp_key *key;
		int keys = json_get(&j, i, "keys"), want = -1, k, pol = -1;
		size_t sl, dl;
		unsigned char *sig, *data;

		json_get_string(&j, i, "id", id, sizeof id);
		json_get_string(&j, i, "verdict_rsa_sha2_v4_detached_verifier", verdict, sizeof verdict);
		for (size_t p = 0; p < sizeof policy / sizeof policy[0]; p++)
			if (!strcmp(policy[p].id, id))
				pol = (int) p;
		if (pol >= 0)
			want = policy[pol].accept;
		else if (!strcmp(verdict, "ACCEPT"))
			want = 1;
		else if (!strcmp(verdict, "REJECT"))
			want = 0;
		memset(&kr, 0, sizeof kr);
		k = 0;
		for (int q = 0, t = keys + 1; q < j.tok[keys].size; q++, t = json_skip(&j, t)) {
			size_t kl;
			unsigned char *kb;
			json_string(&j, t, path + 0, sizeof path);
			snprintf(sigp, sizeof sigp, DATA "%s", path);
			kb = slurp(sigp, &kl);
			if (kb && k == 0)
				k = pgp_keyring_add(&kr, kb, kl, now, &e);
		}
		json_get_string(&j, i, "sig", path, sizeof path);
		snprintf(sigp, sizeof sigp, DATA "%s", path);
		if (json_get_string(&j, i, "data", path, sizeof path) > 0)
			snprintf(datap, sizeof datap, DATA "%s", path);
		else
			datap[0] = '\0';
		sig = slurp(sigp, &sl);
		data = datap[0] ? slurp(datap, &dl) : NULL;
		if (k == 0)
			k = pgp_verify_init(&v, &kr, sig, sl, now, &e);
		if (k == 0 && data) {
			pgp_verify_update(&v, data, dl);
			k = pgp_verify_final(&v, &good, &key, &e);
		} else if (k == 0) {
			k = -EINVAL;
		}
		if (want < 0) {
			OK(0, "%s: unknown verdict '%s'", id, verdict);
			continue;
		}
		OK((k == 0) == want, "%s: %s (%s)%s%s", id, want ? "accepted" : "refused", k ? e.msg : "verified",
		   pol >= 0 ? " # policy: " : "", pol >= 0 ? policy[pol].why : "");
	}
}

static void ecs_key(void)
{
	static struct pgp_keyring kr;
	struct bs_err e;
	char hex[41];
	int signers = 0, enc = 0;

	OK(trust_load(&kr, NULL, 0, (unsigned) time(NULL), &e) == 0, "the embedded ECS key loads and matches the pin");
	EQ_INT(kr.n, 4, "ECS key: a primary and 3 subkeys");
	for (size_t i = 0; i < kr.n; i++) {
		pgp_hex(kr.k[i].fpr, 20, hex);
		if (i == 0)
			EQ_STR(hex, ECS_KEY_FPR, "ECS key: primary fingerprint");
		else if (kr.k[i].usable && kr.k[i].can_sign)
			signers++;
		else if (kr.k[i].usable)
			enc++;
	}
	OK(kr.k[0].usable && !strcmp(kr.k[0].uid, "Amazon ECS <ecs-security@amazon.com>"), "ECS key: self-certified user ID '%s'",
	   kr.k[0].uid);
	EQ_INT(signers, 2, "ECS key: both signing subkeys bound (one with SHA-1, allowed for bindings)");
	EQ_INT(enc, 1, "ECS key: the encryption subkey is bound but cannot sign");
	{
		const struct pgp_key *k = NULL;
		for (size_t i = 0; i < kr.n; i++) {
			pgp_hex(kr.k[i].fpr, 20, hex);
			if (!strcmp(hex, "D64BB6F90CF377E9B5FB346F50DECCC4710E61AF"))
				k = &kr.k[i];
		}
		OK(k && k->usable && k->can_sign && k->nlen == 512, "ECS key: subkey 710E61AF (RSA-4096) can sign");
	}
}

static void armor(void)
{
	static unsigned char out[256];
	struct bs_err e;
	const char *good = "-----BEGIN PGP SIGNATURE-----\n\nAAEC\n=ybVn\n-----END PGP SIGNATURE-----\n";
	const char *badcrc = "-----BEGIN PGP SIGNATURE-----\n\nAAEC\n=AAAA\n-----END PGP SIGNATURE-----\n";
	const char *badb64 = "-----BEGIN PGP SIGNATURE-----\n\nAA*C\n-----END PGP SIGNATURE-----\n";
	const char *trunc = "-----BEGIN PGP SIGNATURE-----\n\nAAEC\n";
	int n = pgp_dearmor((const unsigned char *) good, strlen(good), out, sizeof out, &e);
	OK(n == 3 && out[0] == 0 && out[1] == 1 && out[2] == 2, "armor: decoded, CRC24 checked (%s)", n < 0 ? e.msg : "ok");
	OK(pgp_dearmor((const unsigned char *) badcrc, strlen(badcrc), out, sizeof out, &e) < 0 && strstr(e.msg, "CRC24"),
	   "armor: CRC24 mismatch refused");
	OK(pgp_dearmor((const unsigned char *) badb64, strlen(badb64), out, sizeof out, &e) < 0, "armor: bad base64 refused");
	OK(pgp_dearmor((const unsigned char *) trunc, strlen(trunc), out, sizeof out, &e) < 0, "armor: truncated refused");
	{
		static struct pgp_keyring kr;
		static struct pgp_verify v;
		const unsigned char junk[] = { 0x88, 0x05, 1, 2 };
		OK(pgp_verify_init(&v, &kr, junk, sizeof junk, 0, &e) < 0 && strstr(e.msg, "offset 0"),
		   "a truncated packet is refused naming its offset: %s", e.msg);
	}
}

int main(void)
{
	cases();
	ecs_key();
	armor();
	return tap_done();
}
