/* log.c: see log.h.  Lines go to stderr, which cloud-init and systemd capture. */
#include "log.h"

#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static int log_verbose;
static int log_quiet;

void log_init(int verbose, int quiet)
{
	log_verbose = verbose;
	log_quiet = quiet;
}

void log_msg(enum log_level lvl, const char *step, const char *fmt, ...)
{
	static const char *const names[] = { "fatal: ", "warning: ", "", "debug: " };
	char line[2048];
	va_list ap;
	int n, m;

	if (lvl == LOG_DEBUG && !log_verbose)
		return;
	if (lvl == LOG_INFO && log_quiet)
		return;
	n = snprintf(line, sizeof line, "ecs-bootstrap: %s%s%s", step ? step : "", step ? ": " : "",
		     names[lvl]);
	if (n < 0 || (size_t) n >= sizeof line)
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof line - (size_t) n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t) n >= sizeof line - 1) /* truncated: keep a visible marker */
		n = (int) sizeof line - 5, line[n++] = '.', line[n++] = '.', line[n++] = '.';
	line[n++] = '\n';
	/* One write() per line so concurrent writers (systemd journal, cloud-init tee) never interleave mid-line. */
	(void) !write(STDERR_FILENO, line, (size_t) n);
}

int log_fatal(const char *step, const struct bs_err *e)
{
	int code = err_exit_code(e);
	log_msg(LOG_FATAL, step, "%s (exit %d: %s)", e->msg, code, err_exit_hint(code));
	return code;
}
