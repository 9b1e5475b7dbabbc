/* cmd_verify.c: `verify [--keyring FILE]... DATA SIG`. */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>

#include "cmd.h"
#include "log.h"
#include "trust.h"

int cmd_verify(struct run *r, const char *data, const char *sig, const char *const *keyrings, size_t n_keyrings)
{
	static struct pgp_keyring kr;
	char line[512];
	unsigned now = (unsigned) time(NULL);
	int code;

	for (size_t i = 0; i < n_keyrings; i++)
		log_msg(LOG_WARNING, "verify", "trust set replaced: keys from '%s' instead of the Amazon ECS key", keyrings[i]);
	if (trust_load(&kr, keyrings, n_keyrings, now, &r->err) < 0 ||
	    trust_verify_file(&kr, AT_FDCWD, data, sig, now, line, sizeof line, &r->err) < 0) {
		code = err_exit_code(&r->err);
		log_msg(LOG_FATAL, "verify", "%s (exit %d: %s)", r->err.msg, code, err_exit_hint(code));
		return code;
	}
	printf("%s\n", line);
	return BS_EXIT_OK;
}
