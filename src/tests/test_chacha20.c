/* test_chacha20.c: chacha20.c against RFC 8439's test vector (2.4.2) and against BearSSL's
 * br_chacha20_ct_run on random keys, nonces, counters (near the 32-bit wrap too) and lengths. */
#include <bearssl_block.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "lib/chacha20.h"
#include "tap.h"

int main(void)
{
	/* RFC 8439 2.4.2: key 00..1f, nonce 00 00 00 00 00 00 00 4a 00 00 00 00, counter 1 */
	static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
					"for the future, sunscreen would be it.";
	static const unsigned char want_head[16] = { 0x6e, 0x2e, 0x35, 0x9a, 0x25, 0x68, 0xf9, 0x80,
						     0x41, 0xba, 0x07, 0x28, 0xdd, 0x0d, 0x69, 0x81 };
	static const unsigned char want_tail[8] = { 0x8e, 0xed, 0xf2, 0x78, 0x5e, 0x42, 0x87, 0x4d };
	unsigned char key[32], iv[12] = { 0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0 };
	static unsigned char a[70000], b[70000], buf[300];
	size_t n = sizeof sunscreen - 1;
	int bad = 0, cases = 0;

	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char) i;
	memcpy(buf, sunscreen, n);
	EQ_INT(bs_chacha20_run(key, iv, 1, buf, n), 3, "RFC 8439 2.4.2: 114 bytes from counter 1 end at counter 3");
	OK(!memcmp(buf, want_head, 16) && !memcmp(buf + n - 8, want_tail, 8), "RFC 8439 2.4.2: the ciphertext");
	/* 300 bytes: one group of four blocks, then the rest */
	memset(a, 0, 300), memset(b, 0, 300);
	EQ_INT(bs_chacha20_run(key, iv, 1, a, 300), br_chacha20_ct_run(key, iv, 1, b, 300), "300 bytes: the same next counter");
	OK(!memcmp(a, b, 300), "300 bytes: the same keystream as BearSSL's");

	for (int i = 0; i < 3000; i++) {
		uint32_t cc, c1, c2;
		size_t len = i < 600 ? (size_t) i : (size_t) rand() % sizeof a;
		if (getrandom(key, sizeof key, 0) != sizeof key || getrandom(iv, sizeof iv, 0) != sizeof iv ||
		    getrandom(&cc, sizeof cc, 0) != sizeof cc || getrandom(a, len, 0) != (ssize_t) len)
			break;
		if (i % 4 == 1)
			cc = UINT32_MAX - (uint32_t) (rand() % 8); /* the counter wraps inside the data */
		memcpy(b, a, len);
		c1 = bs_chacha20_run(key, iv, cc, a, len);
		c2 = br_chacha20_ct_run(key, iv, cc, b, len);
		cases++;
		if (c1 != c2 || memcmp(a, b, len)) {
			bad++;
			printf("# length %zu counter %u: next %u vs %u\n", len, cc, c1, c2);
		}
	}
	OK(bad == 0, "the same as BearSSL's br_chacha20_ct_run on %d random keys, nonces, counters and lengths", cases);
	return tap_done();
}
