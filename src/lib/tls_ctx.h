/* tls_ctx.h: struct tls, the TLS context its caller owns (struct net holds one): the trust
 * anchors, and the engine of the one session open at a time, as the backend built in needs
 * them (BS_TLS_MBEDTLS=1, make TLS=mbedtls: tls_mbedtls.c; else tls_bearssl.c).  Its fields
 * are tls_common.c's and the backend's; nothing else looks inside.  No heap with BearSSL: the
 * anchors' names and keys sit in an arena here (about 1 MiB), the record buffer beside it. */
#ifndef BS_TLS_CTX_H
#define BS_TLS_CTX_H

#include <stdbool.h>
#include <stddef.h>

#ifndef BS_TLS_MBEDTLS
#define BS_TLS_MBEDTLS 0
#endif

#define TLS_ANCHORS_MAX 512               /* trust anchors from all sources */
#define TLS_TA_ARENA (1024UL * 1024)      /* their names and keys (BearSSL) */

/* What the socket saw during a session, so a failure is reported as what it was. */
struct tls_io {
	int fd;
	int timeout_ms;
	int err; /* -errno from the socket, or -ETIMEDOUT */
	bool eof;
};

#if BS_TLS_MBEDTLS
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

struct tls {
	struct tls_io io;
	int n_anchors;
	bool loaded;
	mbedtls_x509_crt anchors;
	bool anchors_init;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	bool seeded;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	bool in_session;
};
#else
#include <bearssl.h>

struct tls {
	struct tls_io io;
	int n_anchors;
	bool loaded;
	br_x509_trust_anchor tas[TLS_ANCHORS_MAX];
	size_t n_tas;
	unsigned char arena[TLS_TA_ARENA];
	size_t arena_used;
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	br_sslio_context ioc;
};
#endif

#endif
