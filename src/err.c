/* err.c: see err.h. */
#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 4, 0))) static int vset(struct bs_err *e, int code, int cls, const char *fmt, va_list ap)
{
	e->code = code;
	e->exit_class = cls;
	(void) vsnprintf(e->msg, sizeof e->msg, fmt, ap); /* truncation is acceptable for messages */
	return code;
}

int err_set(struct bs_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int err_setx(struct bs_err *e, int code, int exit_class, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(e, code, exit_class, fmt, ap);
	va_end(ap);
	return code;
}

/* out = a + ": " + b, truncated to cap - 1 bytes. */
static void append(char *out, size_t cap, const char *a, const char *b)
{
	size_t n = 0;
	for (const char *parts[] = { a, ": ", b }, **p = parts; p < parts + 3; p++)
		for (const char *s = *p; *s && n + 1 < cap; s++)
			out[n++] = *s;
	out[n] = '\0';
}

int err_wrap(struct bs_err *e, const char *fmt, ...)
{
	char ctx[BS_ERR_MSG_MAX], old[BS_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	if (e->code == 0) {
		e->code = -EIO;
		(void) snprintf(e->msg, sizeof e->msg, "%s", ctx);
		return e->code;
	}
	memcpy(old, e->msg, sizeof old);
	append(e->msg, sizeof e->msg, ctx, old);
	return e->code;
}

int err_suffix(struct bs_err *e, const char *fmt, ...)
{
	size_t n = strlen(e->msg);
	va_list ap;

	if (n + 2 < sizeof e->msg) {
		e->msg[n++] = ' ';
		va_start(ap, fmt);
		(void) vsnprintf(e->msg + n, sizeof e->msg - n, fmt, ap);
		va_end(ap);
	}
	return e->code;
}

int err_class(struct bs_err *e, int exit_class)
{
	e->exit_class = exit_class;
	return e->code;
}

void err_clear(struct bs_err *e)
{
	e->code = 0;
	e->exit_class = 0;
	e->msg[0] = '\0';
}

int err_exit_code(const struct bs_err *e)
{
	if (e->exit_class)
		return e->exit_class;
	switch (-e->code) {
	case EINVAL: case EPERM: case ENOENT: case E2BIG: case ENAMETOOLONG:
	case EILSEQ: case ENOEXEC: case ELOOP: case EXDEV: case EACCES: case ENOTDIR:
		return BS_EXIT_USAGE;
	case EBADMSG: case EKEYREJECTED: case EKEYEXPIRED: case EKEYREVOKED:
		return BS_EXIT_INTEGRITY;
	case EAGAIN: case ETIMEDOUT: case ECONNREFUSED: case ECONNRESET: case EHOSTUNREACH:
	case ENETUNREACH: case ENETDOWN: case EBUSY: case EINTR: case EPROTO: case EIO:
	case ENOSPC: case ENOMEM:
		return BS_EXIT_TEMP;
	default:
		return BS_EXIT_INTERNAL;
	}
}

const char *err_exit_hint(int exit_code)
{
	switch (exit_code) {
	case BS_EXIT_USAGE: return "invalid usage or configuration, retrying will not help";
	case BS_EXIT_INTEGRITY: return "integrity or protocol check failed, do not retry";
	case BS_EXIT_TEMP: return "temporary failure, retrying later is safe";
	case BS_EXIT_INTERNAL: return "internal error, please report";
	default: return "";
	}
}
