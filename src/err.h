/* err.h: negative-errno convention, error details and the exit-code contract.
 *
 * Every fallible function returns int: >= 0 success, < 0 a negative errno.
 * Details errno cannot carry (the path, the tool's message, the line number)
 * go into a caller-provided struct bs_err passed last.  err_set() records the
 * message and returns the code, so a failure site stays one line:
 *
 *     return err_set(e, -EINVAL, "line %u: no variable name", n);
 *
 * Exit codes are a published contract (README, --help, docs/examples/user-data.sh):
 * change them together.
 */
#ifndef BS_ERR_H
#define BS_ERR_H

#include <stdarg.h>

enum bs_exit {
	BS_EXIT_OK = 0,
	BS_EXIT_PENDING = 1,     /* plan/status only: changes pending */
	BS_EXIT_USAGE = 100,     /* bad usage or invalid configuration: do not retry */
	BS_EXIT_INTERNAL = 101,  /* internal error: do not retry, report */
	BS_EXIT_INTEGRITY = 102, /* signature, digest, TLS verification, or an HTTP protocol error from the server: do not retry, alert */
	BS_EXIT_TEMP = 111,      /* temporary failure: retry later, it is safe */
};

#define BS_ERR_MSG_MAX 512

struct bs_err {
	int code;       /* negative errno, 0 when unset */
	int exit_class; /* one of enum bs_exit, 0 = derive from code */
	char msg[BS_ERR_MSG_MAX];
};

/* Record code and a message (truncated to fit).  Returns code. */
int err_set(struct bs_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Same, and fix the exit class instead of deriving it from the errno. */
int err_setx(struct bs_err *e, int code, int exit_class, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Prefix the current message with context ("CONTEXT: old message").  Returns e->code.
 * If no error was recorded yet, records -EIO with just the context. */
int err_wrap(struct bs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append " SUFFIX" to the current message (truncated to fit).  Returns e->code. */
int err_suffix(struct bs_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fix the exit class of the recorded error.  Returns e->code. */
int err_class(struct bs_err *e, int exit_class);

/* Forget any recorded error. */
void err_clear(struct bs_err *e);

/* The exit code for a recorded error: the explicit class if set, else by errno:
 * EINVAL, EPERM, ENOENT, E2BIG, ENAMETOOLONG, EILSEQ, ENOEXEC, ELOOP, EXDEV -> 100;
 * EBADMSG, EKEYREJECTED, EKEYEXPIRED, EKEYREVOKED -> 102;
 * EAGAIN, ETIMEDOUT, ECONNREFUSED, ECONNRESET, EHOSTUNREACH, ENETUNREACH,
 * ENETDOWN, EBUSY, EINTR, EPROTO, EIO, ENOSPC, ENOMEM -> 111; anything else -> 101. */
int err_exit_code(const struct bs_err *e);

/* "retry later" / "do not retry" etc., for messages.  Never NULL. */
const char *err_exit_hint(int exit_code);

#endif
