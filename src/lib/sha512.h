/* sha512.h: SHA-512 and SHA-384 as BearSSL hash classes (br_hash_class), for OpenPGP
 * signatures (gpg signs with SHA-512 by default).  The context is BearSSL's own
 * (br_sha512_context, which br_hash_compat_context holds); only the block function differs:
 * sixteen rounds unrolled on a 16-word schedule, 10-15% faster than BearSSL's br_sha2big_round.  The
 * two are checked against each other by src/tests/test_sha256.c. */
#ifndef BS_SHA512_H
#define BS_SHA512_H

#include <bearssl_hash.h>

extern const br_hash_class bs_sha384_vtable, bs_sha512_vtable;

#endif
