/* bgpipe.c: a single-producer, single-consumer ring drained by a worker thread.
 * The lock is held only to move the ring's offsets; both sides copy or consume outside
 * it, in the part of the ring the other side does not touch (the producer writes only
 * free space, the worker reads only pending bytes). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bgpipe.h"

#define BGPIPE_DEFAULT_CAP (1u << 20) /* the download measured as fast as with 4 MiB */
#define BGPIPE_PIECE (128u << 10) /* the most the worker takes at once: the lock is taken per piece */

static bool force_inline;

void bgpipe_force_inline(bool on)
{
	force_inline = on;
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

static void *worker(void *arg)
{
	struct bgpipe *b = arg;

	(void) pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->len && !b->eof)
			(void) pthread_cond_wait(&b->more, &b->mu);
		if (!b->len)
			break; /* eof and drained */
		size_t n = min3(b->len, b->cap - b->rd, BGPIPE_PIECE);
		const unsigned char *p = b->ring + b->rd;
		(void) pthread_mutex_unlock(&b->mu);
		b->fn(b->ctx, p, n);
		(void) pthread_mutex_lock(&b->mu);
		b->rd = (b->rd + n) % b->cap;
		b->len -= n;
		(void) pthread_cond_signal(&b->room);
	}
	(void) pthread_mutex_unlock(&b->mu);
	return NULL;
}

void bgpipe_start(struct bgpipe *b, bgpipe_fn *fn, void *ctx, size_t cap)
{
	sigset_t all, old;
	bool created;

	memset(b, 0, sizeof *b);
	b->fn = fn;
	b->ctx = ctx;
	if (force_inline)
		return;
	b->cap = cap ? cap : BGPIPE_DEFAULT_CAP;
	b->ring = malloc(b->cap);
	if (!b->ring)
		return;
	if (pthread_mutex_init(&b->mu, NULL) != 0)
		goto no_thread;
	if (pthread_cond_init(&b->more, NULL) != 0)
		goto no_more;
	if (pthread_cond_init(&b->room, NULL) != 0)
		goto no_room;
	/* The worker blocks every signal (it inherits the mask it is created with): a SIGTERM
	 * must reach the thread whose read(2) it is meant to interrupt. */
	(void) sigfillset(&all);
	(void) pthread_sigmask(SIG_SETMASK, &all, &old);
	created = pthread_create(&b->th, NULL, worker, b) == 0;
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!created)
		goto no_create;
	b->threaded = true;
	return;
no_create:
	(void) pthread_cond_destroy(&b->room);
no_room:
	(void) pthread_cond_destroy(&b->more);
no_more:
	(void) pthread_mutex_destroy(&b->mu);
no_thread:
	free(b->ring);
	b->ring = NULL;
}

void bgpipe_push(struct bgpipe *b, const void *data, size_t n)
{
	const unsigned char *p = data;

	if (!b->threaded) {
		if (n)
			b->fn(b->ctx, p, n);
		return;
	}
	(void) pthread_mutex_lock(&b->mu);
	while (n) {
		while (b->len == b->cap)
			(void) pthread_cond_wait(&b->room, &b->mu);
		size_t wr = (b->rd + b->len) % b->cap, k = min3(n, b->cap - b->len, b->cap - wr);
		(void) pthread_mutex_unlock(&b->mu);
		memcpy(b->ring + wr, p, k); /* free space: the worker does not read it */
		(void) pthread_mutex_lock(&b->mu);
		b->len += k;
		p += k;
		n -= k;
		(void) pthread_cond_signal(&b->more);
	}
	(void) pthread_mutex_unlock(&b->mu);
}

void bgpipe_finish(struct bgpipe *b)
{
	if (!b->threaded)
		return;
	(void) pthread_mutex_lock(&b->mu);
	b->eof = true;
	(void) pthread_cond_signal(&b->more);
	(void) pthread_mutex_unlock(&b->mu);
	(void) pthread_join(b->th, NULL);
	(void) pthread_cond_destroy(&b->room);
	(void) pthread_cond_destroy(&b->more);
	(void) pthread_mutex_destroy(&b->mu);
	free(b->ring);
	b->ring = NULL;
	b->threaded = false;
}
