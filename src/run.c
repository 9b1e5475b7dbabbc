/* run.c: the helpers of struct run (run.h). */
#include "run.h"

#include <stdarg.h>
#include <stdio.h>

void run_why(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void) vsnprintf(r->why, sizeof r->why, fmt, ap);
	va_end(ap);
}

void run_done(struct run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void) vsnprintf(r->done, sizeof r->done, fmt, ap);
	va_end(ap);
}
