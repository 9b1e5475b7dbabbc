/* fault.h: crash-test points, compiled only into test builds (BS_FAULT_INJECTION=1).
 *
 * FAULT_POINT("name") kills the process with SIGKILL when the point set up by
 * fault_setup() (the program passes BS_FAULT_POINT) equals "name"; FAULT_POINT_AT("name",
 * detail) also when it equals "name:detail" (e.g. "fileio-before-rename:/etc/ecs/ecs.config").
 * With the signal "TERM" (BS_FAULT_SIGNAL=TERM) the point sends SIGTERM instead (what `systemctl stop` sends) and the program goes on.  The release binary contains none of this
 * (scripts/lint.sh checks that it is used only through this macro). */
#ifndef BS_FAULT_H
#define BS_FAULT_H

#ifndef BS_FAULT_INJECTION
#define BS_FAULT_INJECTION 0
#endif

#if BS_FAULT_INJECTION
void fault_setup(const char *point, const char *signal);
void fault_point(const char *name, const char *detail);
#define FAULT_POINT(name) fault_point(name, NULL)
#define FAULT_POINT_AT(name, detail) fault_point(name, detail)
#else
#define fault_setup(point, signal) ((void) (point), (void) (signal))
#define FAULT_POINT(name) ((void) 0)
#define FAULT_POINT_AT(name, detail) ((void) (detail))
#endif

#endif
