/* fault.c: see fault.h. */
#include "fault.h"

#if BS_FAULT_INJECTION
#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char *want, *sig;

void fault_setup(const char *point, const char *signal)
{
	want = point;
	sig = signal;
}

void fault_point(const char *name, const char *detail)
{
	size_t n = strlen(name);

	if (!want || strncmp(want, name, n) != 0)
		return;
	if (want[n] == '\0' || (detail && want[n] == ':' && strcmp(want + n + 1, detail) == 0)) {
		/* signal "TERM": a SIGTERM arrives here (systemctl stop), and the program goes on */
		(void) kill(getpid(), sig && !strcmp(sig, "TERM") ? SIGTERM : SIGKILL);
	}
}
#endif
