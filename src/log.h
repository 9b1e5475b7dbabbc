/* log.h: the only code that writes log lines.
 *
 * Line format (stable, greppable; tests and docs match on it):
 *     ecs-bootstrap: <step>: <level>: <message>        for fatal/warning/debug
 *     ecs-bootstrap: <step>: <message>                  for info
 * Step progress is info: "[started]", "[finished] (N ms)", "[skipped] ...", "[failed]".
 * Never pass a secret value: log lengths or masked values (see ecsconfig_mask()).
 */
#ifndef BS_LOG_H
#define BS_LOG_H

enum log_level { LOG_FATAL, LOG_WARNING, LOG_INFO, LOG_DEBUG };

/* verbose > 0 enables debug lines.  quiet suppresses info lines. */
void log_init(int verbose, int quiet);

void log_msg(enum log_level lvl, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct bs_err;
/* A command's end on error: "<step>: fatal: <e's message> (exit N: hint)".  Returns N. */
int log_fatal(const char *step, const struct bs_err *e);

#endif
