/* clock.h: the monotonic clock, for durations and deadlines (never wall time). */
#ifndef BS_CLOCK_H
#define BS_CLOCK_H

/* Milliseconds since an arbitrary point: CLOCK_MONOTONIC. */
long long clock_ms(void);

#endif
