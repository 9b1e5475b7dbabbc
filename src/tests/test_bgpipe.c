/* test_bgpipe.c: the worker sees every byte, in order, whatever the ring size and the
 * push sizes (a ring of 1, 7 and 4096 bytes; pushes of 0 to 70000 bytes), with a thread
 * and without; finish joins (the worker's writes are visible); a pipe starts again; the worker
 * blocks signals, the caller's mask is kept. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/bgpipe.h"
#include "lib/sha256.h"
#include "tap.h"

struct sink {
	struct sha256_ctx h;
	size_t bytes, calls;
	bool term_blocked; /* SIGTERM was blocked where consume ran (the worker) */
};

static void consume(void *ctx, const void *p, size_t n)
{
	struct sink *s = ctx;
	sigset_t cur;
	if (pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0)
		s->term_blocked = sigismember(&cur, SIGTERM) == 1;
	sha256_update(&s->h, p, n);
	s->bytes += n;
	s->calls++;
}

static size_t feed(struct bgpipe *b, const unsigned char *data, size_t total, unsigned seed)
{
	size_t off = 0, pushes = 0;
	srand(seed);
	while (off < total) {
		size_t n = (size_t) rand() % 70001;
		if (n > total - off)
			n = total - off;
		bgpipe_push(b, data + off, n);
		off += n;
		pushes++;
	}
	return pushes;
}

int main(void)
{
	static unsigned char data[3 << 20];
	static const size_t caps[] = { 1, 7, 4096, 0 };
	char want[65], got[65];
	struct sha256_ctx h;
	struct bgpipe b;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char) (i * 2654435761u >> 13);

	for (int inl = 0; inl < 2; inl++) {
		bgpipe_force_inline(inl == 1);
		for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
			struct sink s = { .bytes = 0 };
			/* a ring of a few bytes switches threads every few bytes: 16 KiB is plenty there */
			size_t total = caps[c] && caps[c] < 64 ? 16 * 1024 : sizeof data;
			sha256_init(&h);
			sha256_update(&h, data, total);
			sha256_hex(&h, want);
			sha256_init(&s.h);
			bgpipe_start(&b, consume, &s, caps[c]);
			OK(b.threaded == (inl == 0), "%s: ring %zu: %s", inl ? "inline" : "thread", caps[c],
			   b.threaded ? "a worker thread" : "consumed inline");
			feed(&b, data, total, (unsigned) c + 1);
			bgpipe_finish(&b);
			EQ_INT((long long) s.bytes, (long long) total, "%s: ring %zu: every byte consumed", inl ? "inline" : "thread",
			       caps[c]);
			sha256_hex(&s.h, got);
			EQ_STR(got, want, "%s: ring %zu: in order (sha256 of the stream)", inl ? "inline" : "thread", caps[c]);
			if (caps[c] == 7 && !inl)
				OK(s.calls > total / 7 - 1, "thread: ring 7: the worker took pieces no larger than the ring (%zu calls)",
				   s.calls);
		}
	}
	bgpipe_force_inline(false);
	/* signals: the worker blocks them all (a SIGTERM must interrupt the producer's read), the
	 * caller's mask is left as it was */
	{
		struct sink s = { .bytes = 0 };
		sigset_t cur;
		sha256_init(&s.h);
		bgpipe_start(&b, consume, &s, 64);
		bgpipe_push(&b, "abc", 3);
		bgpipe_finish(&b);
		OK(s.term_blocked, "the worker thread blocks SIGTERM");
		OK(pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0 && !sigismember(&cur, SIGTERM),
		   "the caller's signal mask is restored (SIGTERM not blocked)");
	}
	/* started again after a finish; nothing pushed; finish twice */
	{
		struct sink s = { .bytes = 0 };
		sha256_init(&s.h);
		bgpipe_start(&b, consume, &s, 64);
		bgpipe_finish(&b);
		bgpipe_finish(&b);
		EQ_INT((long long) s.bytes, 0, "nothing pushed: nothing consumed; a second finish is harmless");
		bgpipe_start(&b, consume, &s, 64);
		bgpipe_push(&b, "abc", 3);
		bgpipe_push(&b, "", 0);
		bgpipe_finish(&b);
		sha256_hex(&s.h, got);
		EQ_STR(got, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "started again: 'abc' in order");
	}
	return tap_done();
}
