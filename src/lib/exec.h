/* exec.h: run an external tool (iptables, systemctl, ...) without a shell.
 *
 * The tool is looked up in the caller's tool_dir first (BS_TOOL_DIR: tests put recording
 * stand-ins there), then in /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin.  It runs with an
 * explicit environment (PATH as above, LC_ALL=C), stdin from /dev/null, and stdout and
 * stderr captured together into a bounded buffer.  It is killed when the timeout expires.
 */
#ifndef BS_EXEC_H
#define BS_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"

/* The caller provides the output buffer: out/out_cap must be set before exec_run(), and
 * tool_dir (NULL: none). */
struct exec_result {
	const char *tool_dir;    /* looked in first */
	const char *const *env;  /* NULL, or more NAME=VALUE entries for the tool (at most 6) */
	int status;              /* exit code 0..255, or 128+signal */
	size_t out_len;          /* bytes in out (NUL-terminated) */
	bool truncated;          /* output was longer than out_cap-1 (the rest was read and dropped) */
	char *out;
	size_t out_cap;          /* >= 1 */
};

/* Find tool name (in tool_dir first, when not NULL); writes its path to buf.  0, or -ENOENT. */
int exec_find(const char *tool_dir, const char *name, char *buf, size_t cap);

/* Run argv (argv[0] = tool name, NULL-terminated), wait at most timeout_ms.
 * Returns 0 when the tool ran (whatever its exit status, see ret->status);
 * -ENOENT when it is not installed, -ETIMEDOUT when it was killed, other -errno when
 * it could not be started.  e names the tool. */
int exec_run(const char *const argv[], int timeout_ms, struct exec_result *ret, struct bs_err *e);

/* exec_run, and an exit status other than 0 is an error too: -EIO with exit class
 * exit_class, e saying "TOOL ARGS... exited N: its first output line". */
int exec_must(const char *const argv[], int timeout_ms, struct exec_result *ret, int exit_class, struct bs_err *e);

/* The first line of out, trimmed, for messages ("" if none).  Points into res. */
const char *exec_first_line(struct exec_result *res);

#endif
