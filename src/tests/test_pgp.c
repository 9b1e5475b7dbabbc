/* test_pgp.c: the OpenPGP verifier against the published cases
 * (src/tests/data/openpgp/detached-sig-cases-public.json), the real Amazon ECS key,
 * armor and packet edge cases, gpg-made text signatures over CRs fed in pieces cut at every
 * point, a keyring of several armored blocks.  Policy choices are asserted with their reasons. */
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

/* Text mode (class 0x01), made by gpg 2.2.40 with --textmode over text_data below:
 * a lone CR inside a line, CR CR LF, trailing blanks, a line starting with CR, CRs at the
 * very end.  GnuPG hashes each line with its trailing CRs removed and CRLF for every LF
 * (and nothing after a last line without LF); blanks are kept in detached signatures. */
static const char text_key[] =
	"-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
	"\n"
	"mQENBGWSAIABCACq/0G/JMvB/MDwnfLfDJKcCW+dJPlKug/5kakcBGr8TPHOpNcm\n"
	"4GSqEeaSGOJ2dPs+1CdGv5F5k9cDcTQWzmJrSMNmADwNEw7vcZdarjbSko8+jB9T\n"
	"1aiyDm8EmnwtNN1onCcb4650tBUx0z3cevQ2L+V/kMCkT5daPAaQC/w3OzuIxXc7\n"
	"a/gsK2bpAIANm4qoS/E9e1JlO3Ixzgs/Epz16m7kK343N/hXNhchaHxvB/GkFlv7\n"
	"u7r1yrL5wfv8xUAlQHu00wermxbHx3rVja6jGvxNtUVRIYdX36Y2aWo3tqjJefTb\n"
	"SfYmAgPn4oQ7CZ8FRrZ3cuOg0zvs3E/7mVhDABEBAAG0IVRleHQgQ2Fub24gPHRl\n"
	"eHRAZXhhbXBsZS5pbnZhbGlkPokBTgQTAQoAOBYhBPAShLJW9GjM+jmcLXPlmNfA\n"
	"cf0MBQJlkgCAAhsDBQsJCAcCBhUKCQgLAgQWAgMBAh4BAheAAAoJEHPlmNfAcf0M\n"
	"SgsH+wcjUcOUppeuiaKap6ZDn6nG3uKeEK4mZVLj1jyA+1DKkDLVHS0lSaDYvEaK\n"
	"+o0/kwUI7DJIvCzBDy6BLWl3wNW/5XFDdsYSfeJ+SGnpq+UCe5mwZOEN09KVycje\n"
	"cISikERBF3YAaZzWIkXInsYCHgVD3y5qwDgL/Z8nkc+3vMwAFvyH29ge3qHnlIhG\n"
	"/vtzzWBwYOvfsSVeh9G46rpaM1PdO3/X3wJraP0Wimtv7rCV7PEAZTogYfqKusO+\n"
	"bXFLwWQj8dEnsMtKNLGr0IryDSqweaOSMsuKl15fklk/jgLlcnZ88gM+StRrj7/x\n"
	"9spbNhclttQ0aHF+XcjoK/IfMoc=\n"
	"=JoNo\n"
	"-----END PGP PUBLIC KEY BLOCK-----\n";
static const char text_sig256[] =
	"-----BEGIN PGP SIGNATURE-----\n"
	"\n"
	"iQEzBAEBCAAdFiEE8BKEslb0aMz6OZwtc+WY18Bx/QwFAmWSALwACgkQc+WY18Bx\n"
	"/QwsZgf/byY0JCdDapXtcrrYheNs/tES2QI3Nw4NO1CBhOOUDHNPNFwog+6r3pNp\n"
	"QHh4gYuuWtMJxteS4O/rWuUxvt44nXwQKbnJOnrlTKCmlgQDh1DtMn++GI4Qy96Z\n"
	"f4tbaLMI5kokgkQXnf6fcNVBwSpT8BLsgDKqQ5sP9sAb6drDi2ubS+bQSWqAQAEN\n"
	"nPBpA3Pnko9+0qEGvoCKwqEe0TGEQnQQ7XuIpsKId9aeIEXUA0B5Dw/FlM/y6Frx\n"
	"U1/u9KRc/VT12pP7VrjTZyNHs3YE1bGl4OYGWlKewCrTjl+w5LJiWgrK6mTrBGns\n"
	"PswaOft2bvRSXolWmyM/HFYN4picfA==\n"
	"=IMs/\n"
	"-----END PGP SIGNATURE-----\n";
static const char text_sig512[] =
	"-----BEGIN PGP SIGNATURE-----\n"
	"\n"
	"iQEzBAEBCgAdFiEE8BKEslb0aMz6OZwtc+WY18Bx/QwFAmWSAPgACgkQc+WY18Bx\n"
	"/QzwaggAilyMKI/b09RjPGXV0jB53605vzIs6R0/IErGWwQ+PdPaUcACg7VNPLZq\n"
	"2tFQLrMdft3S4LirufF0JJ1ijR5OZrm3IF1a0rA71yqmah0ZRV3HIyc13O6RoOcL\n"
	"kMZtua41eGxbUHZ0ELa/y8tcI+Vko2e+3Ui9H9j8zBg40PopA8juG1gOraSofNW+\n"
	"Z/5GC/UHI6LEFzvxb5D9hlV04YEvhAzoUKD+SVIHy8TRwO6GP23Xlu+l98Qblx4q\n"
	"cL0dWO29jS/oUcW7DzkfoUL/Vbt57Ln1/xrXC1VIGTOwiZwm4gHBfEza4W4ijo4g\n"
	"gq/0VYp3rFltvyXbtKivK1w/NLBKSA==\n"
	"=vkxk\n"
	"-----END PGP SIGNATURE-----\n";
static const char text_data[] = "a\rb\r\r\nc \t\r\n\r\n\rd\n\r\r\ne\r\r";

/* Verify sig over data fed as pieces cut at cuts[0..n) (offsets, ascending). */
static int verify_pieces(const struct pgp_keyring *kr, const char *sig, const char *data, size_t len,
			 const size_t *cuts, size_t n, struct bs_err *e)
{
	static struct pgp_verify v;
	const struct pgp_sig *good;
	const struct pgp_key *key;
	size_t at = 0;
	int k = pgp_verify_init(&v, kr, (const unsigned char *) sig, strlen(sig), (unsigned) time(NULL), e);

	if (k < 0)
		return k;
	for (size_t i = 0; i <= n; i++) {
		size_t to = i < n ? cuts[i] : len;
		pgp_verify_update(&v, data + at, to - at);
		at = to;
	}
	return pgp_verify_final(&v, &good, &key, e);
}

static void text_mode(void)
{
	static struct pgp_keyring kr;
	static const char *const sigs[] = { text_sig256, text_sig512 };
	static const char *const names[] = { "SHA-256", "SHA-512" };
	struct bs_err e;
	size_t len = sizeof text_data - 1, cuts[2];

	memset(&kr, 0, sizeof kr);
	OK(pgp_keyring_add(&kr, (const unsigned char *) text_key, strlen(text_key), (unsigned) time(NULL), &e) == 0,
	   "text: the gpg-made test key loads");
	for (size_t s = 0; s < 2; s++) {
		int bad2 = -1, bad3a = -1, bad3b = -1, k;
		k = verify_pieces(&kr, sigs[s], text_data, len, NULL, 0, &e);
		OK(k == 0, "text %s: gpg's signature over lone CR, CR CR LF, CR at the end verifies (%s)", names[s],
		   k ? e.msg : "ok");
		for (size_t i = 0; i <= len && bad2 < 0; i++) {
			cuts[0] = i;
			if (verify_pieces(&kr, sigs[s], text_data, len, cuts, 1, &e) != 0)
				bad2 = (int) i;
		}
		OK(bad2 < 0, "text %s: the same in two pieces, every split point (first failing: %d)", names[s], bad2);
		for (size_t i = 0; i <= len && bad3a < 0; i++)
			for (size_t j = i; j <= len && bad3a < 0; j++) {
				cuts[0] = i;
				cuts[1] = j;
				if (verify_pieces(&kr, sigs[s], text_data, len, cuts, 2, &e) != 0) {
					bad3a = (int) i;
					bad3b = (int) j;
				}
			}
		OK(bad3a < 0, "text %s: the same in three pieces, every pair of split points (first failing: %d,%d)",
		   names[s], bad3a, bad3b);
	}
	{
		static const char canon[] = "a\rb\r\nc \t\r\n\r\n\rd\r\n\r\ne";
		static const char blank_gone[] = "a\rb\r\r\nc\r\n\r\n\rd\n\r\r\ne\r\r";
		static const char lone_cr_as_lf[] = "a\nb\r\r\nc \t\r\n\r\n\rd\n\r\r\ne\r\r";
		static const char extra_lf[] = "a\rb\r\r\nc \t\r\n\r\n\rd\n\r\r\ne\r\r\n";
		OK(verify_pieces(&kr, text_sig256, canon, sizeof canon - 1, NULL, 0, &e) == 0,
		   "text: the canonical form of the same data verifies too");
		OK(verify_pieces(&kr, text_sig256, blank_gone, sizeof blank_gone - 1, NULL, 0, &e) != 0,
		   "text: trailing blanks count in a detached text signature (as gpg 2.2 makes them)");
		OK(verify_pieces(&kr, text_sig256, lone_cr_as_lf, sizeof lone_cr_as_lf - 1, NULL, 0, &e) != 0,
		   "text: a lone CR inside a line is data, not a line end");
		OK(verify_pieces(&kr, text_sig256, extra_lf, sizeof extra_lf - 1, NULL, 0, &e) != 0,
		   "text: a final line end is hashed (CRLF), so adding one is a change");
		OK(verify_pieces(&kr, text_sig256, "", 0, NULL, 0, &e) != 0, "text: empty data does not match");
	}
}

/* A keyring file that is several armored blocks, one after the other (gpg --armor --export A;
 * gpg --armor --export B >> file): every block is read. */
static void armor_blocks(void)
{
	static struct pgp_keyring kr;
	static unsigned char two[1 << 17];
	struct bs_err e;
	size_t el, n = strlen(text_key);
	unsigned char *ecs = slurp("src/keys/amazon-ecs-agent.gpg.asc", &el);
	int k;

	memcpy(two, text_key, n);
	memcpy(two + n, ecs, el);
	memset(&kr, 0, sizeof kr);
	k = pgp_keyring_add(&kr, two, n + el, (unsigned) time(NULL), &e);
	OK(k == 0 && kr.n == 5, "two armored key blocks in one file: both read (%s, %zu keys)", k ? e.msg : "ok", kr.n);
	OK(pgp_keyring_find_primary(&kr, ECS_KEY_FPR) && pgp_keyring_find_primary(&kr, "F01284B256F468CCFA399C2D73E598D7C071FD0C"),
	   "... the primary of each block is found");
}

int main(void)
{
	cases();
	ecs_key();
	armor();
	text_mode();
	armor_blocks();
	return tap_done();
}
