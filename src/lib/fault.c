/* fault.c: see fault.h. */
#include "fault.h"

#if BS_FAULT_INJECTION
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fault_point(const char *name, const char *detail)
{
	const char *want = getenv("BS_FAULT_POINT");
	size_t n = strlen(name);

	if (!want || strncmp(want, name, n) != 0)
		return;
	if (want[n] == '\0' || (detail && want[n] == ':' && strcmp(want + n + 1, detail) == 0)) {
		/* BS_FAULT_SIGNAL=TERM: a SIGTERM arrives here (systemctl stop), and the program goes on */
		const char *sig = getenv("BS_FAULT_SIGNAL");
		(void) kill(getpid(), sig && !strcmp(sig, "TERM") ? SIGTERM : SIGKILL);
	}
}
#endif
