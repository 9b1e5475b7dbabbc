/* pgp.h: OpenPGP v4 detached signature verification (RFC 4880), RSA only, no gpg.
 *
 * Keys: transferable public keys, binary or ASCII-armored (a file may hold several armored
 * blocks, one after the other), old and new packet headers.  A primary key is usable when a
 * self-certification of one of its user IDs verifies; a subkey when its binding signature
 * (0x18) verifies and, for a signing subkey, the primary-key binding (0x19) embedded in it
 * verifies and has not expired.  Of several self-signatures (bindings) the newest by creation
 * time is in force; one that has itself expired (signature expiration time) or is older than
 * the key it binds does not count.  Key and subkey expiry (key expiration subpacket of the
 * self-signature or binding in force), the primary's expiry for its subkeys, and revocations
 * (0x20, 0x28 by the primary) are honoured.  RSA keys of 2048 to 4096 bits.
 *
 * Hash policy: document signatures must use SHA-224, SHA-256, SHA-384 or SHA-512;
 * SHA-1 is refused for them.  Key bindings and self-certifications may use SHA-1:
 * the Amazon ECS key (2018) binds its signing subkey DE3CBD61ADAF8B8E and certifies its
 * user ID with SHA-1, and those signatures are made by the key owner over their own
 * key material, where SHA-1's collision weakness does not let a third party forge.
 *
 * Signatures: v4, class 0x00 (binary) or 0x01 (text, canonicalised as GnuPG does: LF and
 * the CRs right before it become CRLF, CRs at the end of the data are dropped, other CRs and
 * trailing blanks are data), hashed subpackets (creation and expiration time, issuer, issuer
 * fingerprint; an unknown critical subpacket invalidates the signature), the left 16 bits of
 * the digest checked before the RSA operation.  A signature older than its signing key (or
 * subkey) is refused (time conflict).  Data is streamed: memory does not grow with it.
 */
#ifndef BS_PGP_H
#define BS_PGP_H

#include <bearssl_hash.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../err.h"
#include "sha256.h"

#define PGP_MAX_KEYS 16
#define PGP_MAX_SIGS 4
#define PGP_MAX_ARMOR_BLOCKS 16 /* armored blocks in one keyring file */

struct pgp_key {
	uint8_t fpr[20];
	uint8_t keyid[8];
	unsigned char n[512];
	size_t nlen;
	unsigned char e[8];
	size_t elen;
	uint32_t created;
	uint32_t expires;     /* absolute; 0 = never */
	bool revoked;
	bool can_sign;        /* key flags allow signing (or no flags given) */
	bool usable;          /* bound and self-signed correctly */
	int primary;          /* index of the primary key; its own index for a primary */
	char uid[128];        /* the primary's first certified user ID, for messages */
	char why[160];        /* when not usable: why */
};

struct pgp_keyring {
	struct pgp_key k[PGP_MAX_KEYS];
	size_t n;
};

/* Add every key in data[0..len) (binary, or every armored block in it, up to
 * PGP_MAX_ARMOR_BLOCKS).  now: for expiry checks of self-signatures, bindings and
 * back-signatures.  0, or -EBADMSG (malformed; e has the packet offset) / -E2BIG. */
int pgp_keyring_add(struct pgp_keyring *kr, const unsigned char *data, size_t len, uint32_t now,
		    struct bs_err *e);

/* The primary key with this fingerprint (40 hex digits), or NULL. */
const struct pgp_key *pgp_keyring_find_primary(const struct pgp_keyring *kr, const char *fpr_hex);

struct pgp_sig {
	int type;               /* 0x00 or 0x01 */
	int pk_algo, hash_algo;
	const unsigned char *hashed;  /* version .. end of hashed subpackets: what is hashed */
	size_t hashed_len;
	uint8_t left16[2];
	unsigned char mpi[512];
	size_t mpi_len;
	uint32_t created, expires;    /* expires: absolute, 0 = never */
	uint8_t issuer[8];
	bool has_issuer;
	uint8_t issuer_fpr[20];
	bool has_issuer_fpr;
	const char *bad;              /* why this signature cannot be used, or NULL */
};

/* The streaming verifier: parse the signature(s), feed the data, finish. */
struct pgp_verify {
	struct pgp_sig sigs[PGP_MAX_SIGS];
	size_t n_sigs;
	br_hash_compat_context h[PGP_MAX_SIGS];
	struct sha256_ctx fast[PGP_MAX_SIGS]; /* SHA-256 signatures: the SHA-NI path of sha256.h */
	const br_hash_class *hc[PGP_MAX_SIGS];
	const struct pgp_key *signer[PGP_MAX_SIGS];
	uint64_t text_cr[PGP_MAX_SIGS]; /* text mode: CRs held back (a count: dropped before LF and at the end) */
	unsigned char sigbuf[8192];  /* the signature file, decoded (pointers point here) */
};

/* Parse a detached signature file (armored or binary) and pick the signers from kr.
 * 0 when at least one signature can be checked, else -EKEYREJECTED / -EBADMSG with e
 * saying why (unknown signer, SHA-1, unsupported algorithm, malformed packet at N). */
int pgp_verify_init(struct pgp_verify *v, const struct pgp_keyring *kr, const unsigned char *sig, size_t len,
		    uint32_t now, struct bs_err *e);
void pgp_verify_update(struct pgp_verify *v, const void *data, size_t len);
/* 0 and *ret_good (the signature that verified) when a signature verifies; else
 * -EBADMSG with the reason. */
int pgp_verify_final(struct pgp_verify *v, const struct pgp_sig **ret_good, const struct pgp_key **ret_key,
		     struct bs_err *e);

/* Decode ASCII armor (the first block, any type) into out; checks the CRC24 when present
 * and refuses bad base64.  Returns the decoded length or < 0.  Input that is not armored is
 * copied as it is. */
int pgp_dearmor(const unsigned char *in, size_t len, unsigned char *out, size_t cap, struct bs_err *e);

/* "SHA256" etc. */
const char *pgp_hash_name(int algo);
void pgp_hex(const uint8_t *p, size_t n, char *out);

#endif
