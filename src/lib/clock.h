/* clock.h: the monotonic clock, for durations and deadlines (never wall time). */
#ifndef BS_CLOCK_H
#define BS_CLOCK_H

#include <stdbool.h>

/* Milliseconds since an arbitrary point: CLOCK_MONOTONIC. */
long long clock_ms(void);

/* Wall time T (seconds since the epoch, UTC) as 2006-01-02T15:04:05Z (BASIC: 20060102T150405Z,
 * SigV4's X-Amz-Date) into OUT (at least 21 bytes); "?" when T is out of range.  snprintf on
 * gmtime_r's fields, not strftime: that would link musl's time-zone code. */
void clock_utc(long long t, bool basic, char out[21]);

#endif
