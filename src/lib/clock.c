/* clock.c: see clock.h. */
#include "clock.h"

#include <stdio.h>
#include <time.h>

long long clock_ms(void)
{
	struct timespec ts;
	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_utc(long long t, bool basic, char out[21])
{
	time_t tt = (time_t) t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0) {
		out[0] = '?', out[1] = '\0';
		return;
	}
	(void) snprintf(out, 21, basic ? "%04d%02d%02dT%02d%02d%02dZ" : "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
