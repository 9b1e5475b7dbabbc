/* test_sha256.c: known answers (FIPS 180-2 examples) and the SHA-NI path against
 * BearSSL's portable one on random inputs of every length class and split. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/sha256.h"
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

int main(void)
{
	static unsigned char buf[1 << 16];
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
	return tap_done();
}
