/* test_sha256.c: known answers (FIPS 180-2 examples) and the SHA-NI path against
 * BearSSL's portable one on random inputs of every length class and split; the same for
 * sha512.c's SHA-512 and SHA-384 against BearSSL's. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/sha256.h"
#include "lib/sha512.h"
#include "tap.h"

static void hex_of(const void *p, size_t n, size_t split, char out[65])
{
	struct sha256_ctx c;
	sha256_init(&c);
	if (split > n)
		split = n;
	sha256_update(&c, p, split);
	sha256_update(&c, (const char *) p + split, n - split);
	sha256_hex(&c, out);
}

/* Hash N bytes with VT in pieces of at most STEP bytes (0: split once at SPLIT); hex out. */
static void big_hex(const br_hash_class *vt, const void *p, size_t n, size_t split, size_t step, char out[129])
{
	br_hash_compat_context h;
	unsigned char d[64];
	size_t len = (vt->desc >> BR_HASHDESC_OUT_OFF) & BR_HASHDESC_OUT_MASK;
	vt->init(&h.vtable);
	if (step) {
		for (size_t off = 0; off < n; off += step)
			vt->update(&h.vtable, (const char *) p + off, n - off < step ? n - off : step);
	} else {
		vt->update(&h.vtable, p, split);
		vt->update(&h.vtable, (const char *) p + split, n - split);
	}
	vt->out(&h.vtable, d);
	for (size_t i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void sha512_cases(unsigned char *buf, size_t cap)
{
	char a[129], b[129];
	int bad = 0, cases = 0;
	big_hex(&bs_sha512_vtable, "abc", 3, 1, 0, a);
	EQ_STR(a, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", "SHA-512: 'abc'");
	big_hex(&bs_sha512_vtable, "", 0, 0, 0, a);
	EQ_STR(a, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
		  "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e", "SHA-512: empty");
	big_hex(&bs_sha384_vtable, "abc", 3, 2, 0, a);
	EQ_STR(a, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
		  "8086072ba1e7cc2358baeca134c825a7", "SHA-384: 'abc'");
	memset(buf, 'a', 1000000);
	big_hex(&bs_sha512_vtable, buf, 1000000, 0, 1000, a);
	EQ_STR(a, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
		  "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b", "SHA-512: a million 'a' in pieces of 1000");
	for (int i = 0; i < 2000; i++) {
		size_t n = i < 300 ? (size_t) i : (size_t) (rand() % (int) cap), split = n ? (size_t) rand() % (n + 1) : 0;
		size_t step = i % 3 ? 0 : 1 + (size_t) rand() % 300;
		const br_hash_class *ours = i % 2 ? &bs_sha384_vtable : &bs_sha512_vtable;
		const br_hash_class *theirs = i % 2 ? &br_sha384_vtable : &br_sha512_vtable;
		if (getrandom(buf, n, 0) != (ssize_t) n)
			break;
		big_hex(ours, buf, n, split, step, a);
		big_hex(theirs, buf, n, split, step, b);
		cases++;
		if (strcmp(a, b) != 0) {
			bad++;
			printf("# length %zu split %zu step %zu: %s vs %s\n", n, split, step, a, b);
		}
	}
	OK(bad == 0, "SHA-512 and SHA-384 agree with BearSSL's on %d random inputs (lengths 0..299 and up to 1 MiB, random splits and pieces)", cases);
}

int main(void)
{
	static unsigned char buf[1 << 16], big[1 << 20];
	char a[65], b[65], mil[65];
	int bad = 0, cases = 0;
	struct sha256_ctx c;

#if defined(__aarch64__)
#define ACCEL "ARMv8 SHA-256"
#else
#define ACCEL "SHA-NI"
#endif
	printf("# " ACCEL " available: %s\n", sha256_accelerated() ? "yes" : "no");
	for (int pass = 0; pass < 2; pass++) {
		const char *mode = pass ? "portable" : (sha256_accelerated() ? ACCEL : "portable");
		sha256_force_portable(pass == 1);
		hex_of("abc", 3, 1, a);
		EQ_STR(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "%s: 'abc'", mode);
		hex_of("", 0, 0, a);
		EQ_STR(a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "%s: empty", mode);
		hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, 30, a);
		EQ_STR(a, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "%s: 448-bit message", mode);
		sha256_init(&c);
		memset(buf, 'a', 1000);
		for (int i = 0; i < 1000; i++)
			sha256_update(&c, buf, 1000);
		sha256_hex(&c, mil);
		EQ_STR(mil, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "%s: a million 'a'", mode);
	}
	/* differential: SHA-NI vs portable */
	for (int i = 0; i < 2000; i++) {
		size_t n = i < 300 ? (size_t) i : (size_t) (rand() % (int) sizeof buf), split = n ? (size_t) rand() % (n + 1) : 0;
		if (getrandom(buf, n, 0) != (ssize_t) n)
			break;
		sha256_force_portable(false);
		hex_of(buf, n, split, a);
		sha256_force_portable(true);
		hex_of(buf, n, split, b);
		cases++;
		if (strcmp(a, b) != 0) {
			bad++;
			printf("# length %zu split %zu: %s vs %s\n", n, split, a, b);
		}
	}
	sha256_force_portable(false);
	OK(bad == 0, ACCEL " and portable agree on %d random inputs (lengths 0..299 and up to 64 KiB, random splits)", cases);
	sha512_cases(big, sizeof big);
	return tap_done();
}
