/* bgpipe.h: hand a byte stream to a function that runs in a second thread.
 *
 * The agent download hashes what it writes: on a two-core machine the TLS read and the
 * file write take one core and SHA-512 another.  The producer copies each piece into a
 * ring; the worker calls fn on what the ring holds, in order, in pieces of any size.
 * When a thread or the ring cannot be had, push calls fn itself: the result is the same,
 * only slower.  fn must not touch what the producer touches until bgpipe_finish returns;
 * after it returns, everything pushed has been consumed and the thread has been joined
 * (its writes are visible to the caller). */
#ifndef BS_BGPIPE_H
#define BS_BGPIPE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef void bgpipe_fn(void *ctx, const void *p, size_t n);

struct bgpipe {
	bgpipe_fn *fn;
	void *ctx;
	bool threaded;   /* false: push calls fn inline */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	unsigned char *ring;
	size_t cap, rd, len; /* len bytes pending from offset rd (wrapping) */
	bool eof;
};

/* Start; never fails (without a thread, push consumes inline).  cap: ring size in bytes
 * (0: 1 MiB). */
void bgpipe_start(struct bgpipe *b, bgpipe_fn *fn, void *ctx, size_t cap);
void bgpipe_push(struct bgpipe *b, const void *p, size_t n);
/* Wait until everything pushed is consumed; join the thread, free the ring.  The pipe can
 * be started again. */
void bgpipe_finish(struct bgpipe *b);
/* Tests: start without a thread (the fallback path). */
void bgpipe_force_inline(bool on);

#endif
