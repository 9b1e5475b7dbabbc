/* tap.h: a tiny TAP producer for the unit tests.  Each test binary prints
 * "ok N - name" / "not ok N - name" lines and a plan; scripts/run-tests.sh counts them. */
#ifndef BS_TAP_H
#define BS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define OK(cond, ...) do { \
	int ok_ = !!(cond); \
	printf("%sok %d - ", ok_ ? "" : "not ", ++tap_n); \
	printf(__VA_ARGS__); \
	printf("\n"); \
	if (!ok_) { tap_failed++; printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define EQ_STR(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	OK(g_ && w_ && strcmp(g_, w_) == 0, __VA_ARGS__); \
	if (!(g_ && w_ && strcmp(g_, w_) == 0)) printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)

#define EQ_INT(got, want, ...) do { \
	long long g_ = (got), w_ = (want); \
	OK(g_ == w_, __VA_ARGS__); \
	if (g_ != w_) printf("#   got:  %lld\n#   want: %lld\n", g_, w_); \
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
