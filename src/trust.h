/* trust.h: the OpenPGP trust set: the embedded Amazon ECS key, pinned by its primary
 * fingerprint, or keyring files given with --keyring (which replace it, loudly). */
#ifndef BS_TRUST_H
#define BS_TRUST_H

#include <stddef.h>

#include "lib/pgp.h"

#define ECS_KEY_FPR "F34C3DDAE72926B079BEAEC6BCE9D9A42D51784F"
#define TRUST_KEYRINGS_MAX 8

/* Fill kr.  files: --keyring paths (caller's view), or n == 0 for the embedded key.
 * 0, or < 0 (exit 101 if the embedded key does not match the pin; 100 for unreadable
 * or malformed keyring files). */
int trust_load(struct pgp_keyring *kr, const char *const *files, size_t n, unsigned now, struct bs_err *e);

/* Verify the detached signature in sig_path over the file data_path, streaming.  On
 * success 0 and a one-line description in out ("good signature from ..."). */
int trust_verify_file(const struct pgp_keyring *kr, int dirfd, const char *data_path, const char *sig_path,
		      unsigned now, char *out, size_t cap, struct bs_err *e);

#endif
