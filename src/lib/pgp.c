/* pgp.c: see pgp.h.  Every read of packet data goes through a bounded cursor (cursor.h). */
#include "pgp.h"

#include <bearssl_rsa.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "cursor.h"
#include "sha512.h"

/* ------------------------------------------------------------------ byte reader */

/* An MPI: 2-byte bit count, then the bytes.  Copies into out (cap), no leading zeros. */
static int mpi(struct cursor *r, unsigned char *out, size_t cap, size_t *ret_len)
{
	uint32_t bits = cursor_be(r, 2);
	size_t n = (bits + 7) / 8;
	const unsigned char *q = cursor_take(r, n);
	if (!q || n > cap || n == 0 || (q[0] >> ((bits - 1) % 8)) != 1)
		return -EBADMSG; /* the bit count must match the first byte exactly */
	memcpy(out, q, n);
	*ret_len = n;
	return 0;
}

/* ------------------------------------------------------------------ armor */

static uint32_t crc24(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xB704CE;
	while (n--) {
		crc ^= (uint32_t) *p++ << 16;
		for (int i = 0; i < 8; i++) {
			crc <<= 1;
			if (crc & 0x1000000)
				crc ^= 0x1864CFB;
		}
	}
	return crc & 0xFFFFFF;
}

/* Offset of the next "-----BEGIN PGP " that starts a line, at or after from; len if none. */
static size_t armor_find(const unsigned char *in, size_t len, size_t from)
{
	for (size_t i = from; i < len && len - i >= 15; i++)
		if (!memcmp(in + i, "-----BEGIN PGP ", 15) && (i == 0 || in[i - 1] == '\n'))
			return i;
	return len;
}

/* Decode the armored block that starts at in[0] (its BEGIN line), appending to out at *o
 * (cap in all).  *ret_end: the offset just past its END line.  The CRC24 covers this block. */
static int armor_block(const unsigned char *in, size_t len, unsigned char *out, size_t cap, size_t *o,
		       size_t *ret_end, struct bs_err *e)
{
	const unsigned char *p = in, *end = in + len;
	size_t o0 = *o, line_no = 0;
	bool in_body = false, have_crc = false;
	uint32_t crc_given = 0;
	struct b64 body = { 0 };

	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t) (end - p)), *le = nl ? nl : end;
		size_t n = (size_t) (le - p);
		line_no++;
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (line_no == 1) {
			/* the BEGIN line */
		} else if (!in_body) {
			if (n == 0)
				in_body = true; /* the blank line after the armor headers */
			else if (!memchr(p, ':', n))
				return err_set(e, -EBADMSG, "armor: bad header line %zu", line_no);
		} else if (n >= 9 && !memcmp(p, "-----END ", 9)) {
			if (have_crc && crc24(out + o0, *o - o0) != crc_given)
				return err_set(e, -EBADMSG, "armor: CRC24 mismatch (the data was altered)");
			*ret_end = (size_t) ((nl ? nl + 1 : end) - in);
			return 0;
		} else if (n == 5 && p[0] == '=') {
			unsigned char c[3];
			size_t co = 0;
			struct b64 crc_state = { 0 };
			if (b64_decode(&crc_state, p + 1, 4, c, 3, &co) < 0 || co != 3)
				return err_set(e, -EBADMSG, "armor: bad CRC24 line");
			crc_given = (uint32_t) c[0] << 16 | (uint32_t) c[1] << 8 | c[2];
			have_crc = true;
		} else {
			int k = b64_decode(&body, p, n, out, cap, o);
			if (k == -E2BIG)
				return err_set(e, k, "OpenPGP data larger than %zu bytes", cap);
			if (k < 0)
				return err_set(e, -EBADMSG, "armor: bad base64 on line %zu", line_no);
		}
		p = nl ? nl + 1 : end;
	}
	return err_set(e, -EBADMSG, "armor: no END line (truncated)");
}

/* Armored (the first block, or every block when all is set) or binary data into out. */
static int dearmor(const unsigned char *in, size_t len, unsigned char *out, size_t cap, bool all, struct bs_err *e)
{
	size_t at = armor_find(in, len, 0), o = 0, blocks = 0;

	if (at == len) {
		if (len > cap)
			return err_set(e, -E2BIG, "OpenPGP data larger than %zu bytes", cap);
		memcpy(out, in, len);
		return (int) len;
	}
	while (at < len) {
		size_t used = 0;
		int k;
		if (++blocks > PGP_MAX_ARMOR_BLOCKS)
			return err_set(e, -E2BIG, "more than %d armored blocks", PGP_MAX_ARMOR_BLOCKS);
		k = armor_block(in + at, len - at, out, cap, &o, &used, e);
		if (k < 0)
			return k;
		if (!all)
			break;
		at = armor_find(in, len, at + used);
	}
	return (int) o;
}

int pgp_dearmor(const unsigned char *in, size_t len, unsigned char *out, size_t cap, struct bs_err *e)
{
	return dearmor(in, len, out, cap, false, e);
}

/* ------------------------------------------------------------------ packets */

struct pkt {
	int tag;
	const unsigned char *body;
	size_t len;
	size_t off; /* of the header, for messages */
};

static int next_packet(struct cursor *r, struct pkt *p, struct bs_err *e)
{
	unsigned h;
	size_t len;

	if (r->off >= r->len)
		return 0;
	p->off = r->off;
	h = cursor_u8(r);
	if (!(h & 0x80))
		{ err_set(e, -EBADMSG, "malformed packet at offset %zu: not a packet header", p->off); return -EBADMSG; }
	if (h & 0x40) { /* new format */
		unsigned l1 = cursor_u8(r);
		p->tag = (int) (h & 0x3F);
		if (l1 < 192)
			len = l1;
		else if (l1 < 224)
			len = ((l1 - 192) << 8) + cursor_u8(r) + 192;
		else if (l1 == 255)
			len = cursor_be(r, 4);
		else
			{ err_set(e, -EBADMSG, "malformed packet at offset %zu: partial lengths are not allowed here", p->off); return -EBADMSG; }
	} else {
		int lt = (int) (h & 3);
		p->tag = (int) ((h >> 2) & 0xF);
		if (lt == 3)
			{ err_set(e, -EBADMSG, "malformed packet at offset %zu: indeterminate length", p->off); return -EBADMSG; }
		len = cursor_be(r, lt == 0 ? 1 : lt == 1 ? 2 : 4);
	}
	p->body = cursor_take(r, len);
	p->len = len;
	if (r->bad || !p->body)
		{ err_set(e, -EBADMSG, "malformed packet at offset %zu: truncated (tag %d, %zu bytes)", p->off, p->tag, len); return -EBADMSG; }
	return 1;
}

/* ------------------------------------------------------------------ hashes */

struct hashinfo {
	const char *name;
	const br_hash_class *vt;
	const unsigned char *oid;
	size_t len;
	int algo;
	bool doc_ok; /* allowed for document signatures */
};

static const struct hashinfo hashes[] = {
	{ "SHA1", &br_sha1_vtable, BR_HASH_OID_SHA1, 20, 2, false },
	{ "SHA256", &br_sha256_vtable, BR_HASH_OID_SHA256, 32, 8, true },
	{ "SHA384", &bs_sha384_vtable, BR_HASH_OID_SHA384, 48, 9, true },
	{ "SHA512", &bs_sha512_vtable, BR_HASH_OID_SHA512, 64, 10, true },
	{ "SHA224", &br_sha224_vtable, BR_HASH_OID_SHA224, 28, 11, true },
};

static const struct hashinfo *hash_of(int algo)
{
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
		if (hashes[i].algo == algo)
			return &hashes[i];
	return NULL;
}

const char *pgp_hash_name(int algo)
{
	const struct hashinfo *h = hash_of(algo);
	return h ? h->name : "unknown";
}

void pgp_hex(const uint8_t *p, size_t n, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The framing a key packet gets inside a signature hash: 0x99, 2-byte length, body. */
static void hash_key(const br_hash_class *vt, br_hash_compat_context *h, const unsigned char *body, size_t len)
{
	unsigned char hd[3] = { 0x99, (unsigned char) (len >> 8), (unsigned char) len };
	vt->update(&h->vtable, hd, 3);
	vt->update(&h->vtable, body, len);
}

/* The signature's own part of the hash: hashed area, then the v4 trailer. */
static void hash_trailer(const br_hash_class *vt, br_hash_compat_context *h, const struct pgp_sig *s)
{
	unsigned char tr[6] = { 4, 0xFF, (unsigned char) (s->hashed_len >> 24), (unsigned char) (s->hashed_len >> 16),
				(unsigned char) (s->hashed_len >> 8), (unsigned char) s->hashed_len };
	vt->update(&h->vtable, s->hashed, s->hashed_len);
	vt->update(&h->vtable, tr, 6);
}

/* Check s (whose digest is dig) against key k.  0 or -EBADMSG. */
static int rsa_check_digest(const struct pgp_sig *s, const struct pgp_key *k, const struct hashinfo *hi,
			    const unsigned char *dig)
{
	unsigned char rec[64], sig[512];
	br_rsa_public_key pk = { (unsigned char *) k->n, k->nlen, (unsigned char *) k->e, k->elen };
	br_rsa_pkcs1_vrfy vrfy = br_rsa_pkcs1_vrfy_get_default();

	if (dig[0] != s->left16[0] || dig[1] != s->left16[1])
		return -EBADMSG; /* quick reject, before the RSA operation */
	if (s->mpi_len > k->nlen)
		return -EBADMSG;
	/* The MPI drops leading zero bytes; the RSA operation wants the modulus length. */
	memset(sig, 0, k->nlen - s->mpi_len);
	memcpy(sig + k->nlen - s->mpi_len, s->mpi, s->mpi_len);
	if (!vrfy(sig, k->nlen, hi->oid, hi->len, &pk, rec))
		return -EBADMSG;
	return memcmp(rec, dig, hi->len) == 0 ? 0 : -EBADMSG;
}

/* Finish h and check s against key k. */
static int rsa_check(const struct pgp_sig *s, const struct pgp_key *k, const struct hashinfo *hi,
		     br_hash_compat_context *h)
{
	unsigned char dig[64];
	hi->vt->out(&h->vtable, dig);
	return rsa_check_digest(s, k, hi, dig);
}

/* ------------------------------------------------------------------ signature packets */

/* A time plus a number of seconds, both from outside: saturates instead of wrapping (an
 * expiry past 2106 is as good as never, not a date in 1970). */
static uint32_t time_add(uint32_t t, uint32_t secs)
{
	return t > UINT32_MAX - secs ? UINT32_MAX : t + secs;
}

/* Parse a v4 signature packet body.  Sets s->bad (and returns 0) for signatures we cannot
 * use; returns < 0 only for malformed packets. */
static int parse_sig(const unsigned char *body, size_t len, struct pgp_sig *s, struct pgp_sig *embedded,
		     uint32_t *key_expiry_secs, unsigned *key_flags, struct bs_err *e)
{
	struct cursor r = cursor_of(body, len);
	size_t hl;

	memset(s, 0, sizeof *s);
	if (key_expiry_secs)
		*key_expiry_secs = 0;
	if (key_flags)
		*key_flags = 0x100; /* "no flags subpacket" */
	if (cursor_u8(&r) != 4) {
		s->bad = "not a version 4 signature";
		return 0;
	}
	s->type = (int) cursor_u8(&r);
	s->pk_algo = (int) cursor_u8(&r);
	s->hash_algo = (int) cursor_u8(&r);
	hl = cursor_be(&r, 2);
	s->hashed = body;
	if (r.bad || hl > len - r.off)
		return err_set(e, -EBADMSG, "signature: hashed subpackets run past the packet");
	s->hashed_len = 6 + hl;
	for (int area = 0; area < 2; area++) {
		size_t alen = area == 0 ? hl : cursor_be(&r, 2), end = r.off + alen; /* cursor_be() moves r.off first */
		if (r.bad || end > len)
			return err_set(e, -EBADMSG, "signature: subpackets run past the packet");
		while (r.off < end) {
			size_t sl = cursor_u8(&r);
			unsigned type;
			bool critical;
			const unsigned char *d;
			if (sl >= 192 && sl < 255)
				sl = ((sl - 192) << 8) + cursor_u8(&r) + 192;
			else if (sl == 255)
				sl = cursor_be(&r, 4);
			if (r.bad || sl == 0 || sl > end - r.off)
				return err_set(e, -EBADMSG, "signature: bad subpacket length");
			type = cursor_u8(&r);
			critical = type & 0x80;
			type &= 0x7F;
			d = cursor_take(&r, sl - 1);
			sl -= 1;
			if (!d)
				return err_set(e, -EBADMSG, "signature: truncated subpacket");
			/* Only the hashed area is trusted for times, flags and expiry. */
			if (type == 2 && sl == 4 && area == 0)
				s->created = (uint32_t) d[0] << 24 | (uint32_t) d[1] << 16 | (uint32_t) d[2] << 8 | d[3];
			else if (type == 3 && sl == 4 && area == 0)
				s->expires = (uint32_t) d[0] << 24 | (uint32_t) d[1] << 16 | (uint32_t) d[2] << 8 | d[3];
			else if (type == 9 && sl == 4 && area == 0 && key_expiry_secs)
				*key_expiry_secs = (uint32_t) d[0] << 24 | (uint32_t) d[1] << 16 | (uint32_t) d[2] << 8 | d[3];
			else if (type == 27 && sl >= 1 && area == 0 && key_flags)
				*key_flags = d[0];
			else if (type == 16 && sl == 8) {
				memcpy(s->issuer, d, 8);
				s->has_issuer = true;
			} else if (type == 33 && sl == 21 && d[0] == 4) {
				memcpy(s->issuer_fpr, d + 1, 20);
				s->has_issuer_fpr = true;
			} else if (type == 32 && embedded && sl > 0) {
				int k = parse_sig(d, sl, embedded, NULL, NULL, NULL, e);
				if (k < 0)
					return k;
			} else if (critical && area == 0 &&
				   !(type == 2 || type == 3 || type == 9 || type == 11 || type == 21 || type == 22 ||
				     type == 23 || type == 25 || type == 27 || type == 30)) {
				s->bad = "unknown critical subpacket";
			}
		}
	}
	{
		const unsigned char *l16 = cursor_take(&r, 2);
		if (!l16)
			return err_set(e, -EBADMSG, "signature: truncated");
		memcpy(s->left16, l16, 2);
	}
	if (s->pk_algo != 1 && s->pk_algo != 3) {
		if (!s->bad)
			s->bad = "not an RSA signature (only RSA is accepted)";
		return 0;
	}
	if (mpi(&r, s->mpi, sizeof s->mpi, &s->mpi_len) < 0 || r.off != len)
		return err_set(e, -EBADMSG, "signature: malformed RSA value");
	if (s->expires)
		s->expires = time_add(s->created, s->expires);
	if (!s->created && !s->bad)
		s->bad = "no creation time";
	return 0;
}

/* ------------------------------------------------------------------ keys */

static int parse_key(const struct pkt *p, struct pgp_key *k, struct bs_err *e)
{
	struct cursor r = cursor_of(p->body, p->len);
	br_sha1_context sh;
	unsigned char hd[3] = { 0x99, (unsigned char) (p->len >> 8), (unsigned char) p->len };
	int algo;

	memset(k, 0, sizeof *k);
	if (cursor_u8(&r) != 4) {
		snprintf(k->why, sizeof k->why, "not a version 4 key");
		return 0;
	}
	k->created = cursor_be(&r, 4);
	algo = (int) cursor_u8(&r);
	br_sha1_init(&sh);
	br_sha1_update(&sh, hd, 3);
	br_sha1_update(&sh, p->body, p->len);
	br_sha1_out(&sh, k->fpr);
	memcpy(k->keyid, k->fpr + 12, 8);
	if (algo != 1 && algo != 3) {
		snprintf(k->why, sizeof k->why, "not an RSA key (algorithm %d)", algo);
		return 0;
	}
	if (mpi(&r, k->n, sizeof k->n, &k->nlen) < 0 || mpi(&r, k->e, sizeof k->e, &k->elen) < 0 || r.off != p->len)
		return err_set(e, -EBADMSG, "malformed packet at offset %zu: bad RSA key", p->off);
	if (k->nlen < 256) {
		snprintf(k->why, sizeof k->why, "RSA key of %zu bits is too small (2048 at least)", k->nlen * 8);
		return 0;
	}
	k->can_sign = true;
	return 0;
}

/* Verify sig s (over prefix data fed by the caller through feed) with key k. */
struct bind {
	const struct pkt *primary, *sub, *uid;
};

static int check_binding(const struct pgp_sig *s, const struct pgp_key *signer, const struct bind *b)
{
	const struct hashinfo *hi = hash_of(s->hash_algo);
	br_hash_compat_context h;

	if (!hi || s->bad)
		return -EBADMSG;
	hi->vt->init(&h.vtable);
	hash_key(hi->vt, &h, b->primary->body, b->primary->len);
	if (b->uid) {
		unsigned char hd[5] = { 0xB4, (unsigned char) (b->uid->len >> 24), (unsigned char) (b->uid->len >> 16),
					(unsigned char) (b->uid->len >> 8), (unsigned char) b->uid->len };
		hi->vt->update(&h.vtable, hd, 5);
		hi->vt->update(&h.vtable, b->uid->body, b->uid->len);
	}
	if (b->sub)
		hash_key(hi->vt, &h, b->sub->body, b->sub->len);
	hash_trailer(hi->vt, &h, s);
	return rsa_check(s, signer, hi, &h);
}

int pgp_keyring_add(struct pgp_keyring *kr, const unsigned char *data, size_t len, uint32_t now, struct bs_err *e)
{
	static unsigned char buf[65536];
	struct pkt p, primary_pkt = { 0 }, sub_pkt = { 0 }, uid_pkt = { 0 };
	struct cursor r;
	int n, k, primary = -1, sub = -1;
	uint32_t best_self = 0, best_bind = 0; /* creation times of the self-signature / binding in force */

	n = dearmor(data, len, buf, sizeof buf, true, e);
	if (n < 0)
		return n;
	r = cursor_of(buf, (size_t) n);
	while ((k = next_packet(&r, &p, e)) > 0) {
		if (p.tag == 6 || p.tag == 14) {
			struct pgp_key *key;
			if (kr->n == PGP_MAX_KEYS)
				return err_set(e, -E2BIG, "more than %d keys", PGP_MAX_KEYS);
			if (p.tag == 14 && primary < 0)
				return err_set(e, -EBADMSG, "malformed packet at offset %zu: subkey without a primary key", p.off);
			key = &kr->k[kr->n];
			k = parse_key(&p, key, e);
			if (k < 0)
				return k;
			if (p.tag == 6) {
				primary = (int) kr->n;
				primary_pkt = p;
				sub = -1;
				best_self = 0;
				uid_pkt.body = NULL;
				key->primary = primary;
				if (!key->why[0])
					snprintf(key->why, sizeof key->why, "no valid self-signature");
			} else {
				sub = (int) kr->n;
				sub_pkt = p;
				best_bind = 0;
				key->primary = primary;
				if (!key->why[0])
					snprintf(key->why, sizeof key->why, "no valid binding signature");
			}
			kr->n++;
		} else if (p.tag == 13 && primary >= 0) {
			uid_pkt = p;
			sub = -1;
		} else if (p.tag == 2 && primary >= 0) {
			struct pgp_sig s, emb;
			struct pgp_key *pk = &kr->k[primary];
			uint32_t exp_secs;
			unsigned flags;
			memset(&emb, 0, sizeof emb);
			k = parse_sig(p.body, p.len, &s, &emb, &exp_secs, &flags, e);
			if (k < 0)
				return k;
			if (s.bad || !hash_of(s.hash_algo) || pk->nlen == 0)
				continue;
			/* Self-signatures and bindings: the newest one that verifies, is not older than
			 * the key it binds and has not itself expired is the one in force (RFC 4880
			 * 5.2.3.3; GnuPG ignores expired ones the same way). */
			if (s.type >= 0x10 && s.type <= 0x13 && sub < 0 && uid_pkt.body) {
				struct bind b = { &primary_pkt, NULL, &uid_pkt };
				const char *skip = NULL;
				if (check_binding(&s, pk, &b) != 0 || s.created < best_self)
					continue;
				if (s.created < pk->created)
					skip = "its self-signature is older than the key (time conflict)";
				else if (s.expires && s.expires <= now)
					skip = "the self-signature has expired";
				if (skip) {
					if (!best_self && !pk->revoked)
						snprintf(pk->why, sizeof pk->why, "%s", skip);
					continue;
				}
				best_self = s.created;
				pk->usable = !pk->revoked;
				if (!pk->revoked)
					pk->why[0] = '\0';
				pk->expires = exp_secs ? time_add(pk->created, exp_secs) : 0;
				pk->can_sign = flags == 0x100 || (flags & 0x02);
				if (!pk->uid[0])
					snprintf(pk->uid, sizeof pk->uid, "%.*s", (int) uid_pkt.len, uid_pkt.body);
			} else if (s.type == 0x20 && sub < 0) {
				struct bind b = { &primary_pkt, NULL, NULL };
				if (check_binding(&s, pk, &b) == 0) {
					pk->revoked = true;
					pk->usable = false;
					snprintf(pk->why, sizeof pk->why, "key revoked");
				}
			} else if ((s.type == 0x18 || s.type == 0x28) && sub >= 0) {
				struct pgp_key *sk = &kr->k[sub];
				struct bind b = { &primary_pkt, &sub_pkt, NULL };
				if (sk->nlen == 0 || check_binding(&s, pk, &b) != 0)
					continue;
				if (s.type == 0x28) {
					sk->revoked = true;
					sk->usable = false;
					snprintf(sk->why, sizeof sk->why, "subkey revoked");
					continue;
				}
				if (sk->revoked || s.created < best_bind)
					continue;
				if (s.created < sk->created || s.created < pk->created) {
					if (!best_bind)
						snprintf(sk->why, sizeof sk->why, "its binding signature is older than the subkey (time conflict)");
					continue;
				}
				if (s.expires && s.expires <= now) {
					if (!best_bind)
						snprintf(sk->why, sizeof sk->why, "the binding signature has expired");
					continue;
				}
				/* The newest binding decides, also when it is worse than an older one. */
				best_bind = s.created;
				sk->usable = false;
				sk->can_sign = flags == 0x100 || (flags & 0x02);
				sk->expires = exp_secs ? time_add(sk->created, exp_secs) : 0;
				if (sk->can_sign) {
					/* A signing subkey must consent to the binding: a valid, unexpired 0x19. */
					if (!emb.created || emb.type != 0x19 || emb.created < sk->created ||
					    check_binding(&emb, sk, &b) != 0) {
						snprintf(sk->why, sizeof sk->why, "signing subkey without a valid back-signature");
						continue;
					}
					if (emb.expires && emb.expires <= now) {
						snprintf(sk->why, sizeof sk->why, "the subkey's back-signature has expired");
						continue;
					}
				}
				sk->usable = true;
				sk->why[0] = '\0';
			}
		}
	}
	if (k < 0)
		return k;
	if (kr->n == 0)
		return err_set(e, -EBADMSG, "no public key in the keyring data");
	/* A subkey is no better than its primary. */
	for (size_t i = 0; i < kr->n; i++) {
		struct pgp_key *x = &kr->k[i], *pk = &kr->k[x->primary];
		if ((int) i != x->primary && x->usable && !pk->usable) {
			x->usable = false;
			snprintf(x->why, sizeof x->why, "its primary key is not usable: %s", pk->why);
		}
	}
	return 0;
}

const struct pgp_key *pgp_keyring_find_primary(const struct pgp_keyring *kr, const char *fpr_hex)
{
	char hex[41];
	for (size_t i = 0; i < kr->n; i++) {
		pgp_hex(kr->k[i].fpr, 20, hex);
		if ((int) i == kr->k[i].primary && strcasecmp(hex, fpr_hex) == 0)
			return &kr->k[i];
	}
	return NULL;
}

/* ------------------------------------------------------------------ document signatures */

static const struct pgp_key *find_signer(const struct pgp_keyring *kr, const struct pgp_sig *s)
{
	for (size_t i = 0; i < kr->n; i++) {
		const struct pgp_key *k = &kr->k[i];
		if (s->has_issuer_fpr ? !memcmp(k->fpr, s->issuer_fpr, 20) : (s->has_issuer && !memcmp(k->keyid, s->issuer, 8)))
			return k;
	}
	return NULL;
}

int pgp_verify_init(struct pgp_verify *v, const struct pgp_keyring *kr, const unsigned char *sig, size_t len,
		    uint32_t now, struct bs_err *e)
{
	struct pkt p;
	struct cursor r;
	const char *why = NULL;
	char idhex[41];
	int n, k;

	v->n_sigs = 0;
	n = pgp_dearmor(sig, len, v->sigbuf, sizeof v->sigbuf, e);
	if (n < 0)
		return n;
	r = cursor_of(v->sigbuf, (size_t) n);
	idhex[0] = '\0';
	while ((k = next_packet(&r, &p, e)) > 0) {
		struct pgp_sig *s;
		const struct hashinfo *hi;
		const struct pgp_key *key;
		if (p.tag != 2)
			return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "malformed signature file: packet at offset %zu has tag %d, not a signature",
					p.off, p.tag);
		if (v->n_sigs == PGP_MAX_SIGS)
			return err_set(e, -E2BIG, "more than %d signatures", PGP_MAX_SIGS);
		s = &v->sigs[v->n_sigs];
		k = parse_sig(p.body, p.len, s, NULL, NULL, NULL, e);
		if (k < 0)
			return k;
		hi = hash_of(s->hash_algo);
		key = find_signer(kr, s);
		if (s->has_issuer)
			pgp_hex(s->issuer, 8, idhex);
		if (s->bad)
			why = s->bad;
		else if (s->type != 0x00 && s->type != 0x01)
			why = "not a document signature (class 0x00 or 0x01)";
		else if (!hi)
			why = "unsupported hash algorithm";
		else if (!hi->doc_ok)
			why = "SHA-1 document signatures are refused";
		else if (!key)
			why = "unknown signer (no such key in the trusted keyring)";
		else if (!key->usable)
			why = key->why;
		else if (!key->can_sign)
			why = "the key is not allowed to sign";
		else if (key->expires && key->expires <= now)
			why = "the signing key has expired";
		else if (kr->k[key->primary].expires && kr->k[key->primary].expires <= now)
			why = "the primary key has expired";
		else if (s->created < key->created)
			why = "time conflict: the signature is older than its signing key";
		else if (s->expires && s->expires <= now)
			why = "the signature has expired";
		else if (s->created > now + 86400)
			why = "the signature was made in the future";
		else {
			v->signer[v->n_sigs] = key;
			v->hc[v->n_sigs] = hi->vt;
			v->text_cr[v->n_sigs] = 0;
			hi->vt->init(&v->h[v->n_sigs].vtable);
			sha256_init(&v->fast[v->n_sigs]); /* used instead of h when the hash is SHA-256 */
			v->n_sigs++;
		}
	}
	if (k < 0)
		return err_class(e, BS_EXIT_INTEGRITY);
	if (v->n_sigs == 0)
		return err_setx(e, -EKEYREJECTED, BS_EXIT_INTEGRITY, "no usable signature%s%s%s%s", why ? ": " : "",
				why ? why : " in the file", idhex[0] ? ", issuer " : "", idhex);
	return 0;
}

static void feed(struct pgp_verify *v, size_t i, const void *p, size_t n)
{
	if (v->sigs[i].hash_algo == 8)
		sha256_update(&v->fast[i], p, n);
	else
		v->hc[i]->update(&v->h[i].vtable, p, n);
}

/* n CRs into signature i's hash. */
static void feed_crs(struct pgp_verify *v, size_t i, uint64_t n)
{
	static const char crs[] = "\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r\r";
	while (n) {
		size_t k = n < sizeof crs - 1 ? (size_t) n : sizeof crs - 1;
		feed(v, i, crs, k);
		n -= k;
	}
}

void pgp_verify_update(struct pgp_verify *v, const void *data, size_t len)
{
	for (size_t i = 0; i < v->n_sigs; i++) {
		const unsigned char *p = data, *start = p, *end = p + len;
		uint64_t cr = v->text_cr[i];
		if (v->sigs[i].type == 0x00) {
			feed(v, i, data, len);
			continue;
		}
		/* Text signature, canonicalised as GnuPG does: every LF becomes CRLF and the CRs
		 * right before it are dropped, CRs at the very end of the data are dropped, any
		 * other CR is data, and so are trailing blanks (RFC 4880 5.2.1; stripping them is
		 * for cleartext signatures only).  A run of CRs is held back, as a count, until
		 * the next byte (perhaps in the next piece) decides what it was. */
		for (; p < end; p++) {
			if (*p != '\r' && *p != '\n') {
				if (cr) { /* here start == p: the held-back CRs go before this byte */
					feed_crs(v, i, cr);
					cr = 0;
				}
				continue;
			}
			feed(v, i, start, (size_t) (p - start));
			start = p + 1;
			if (*p == '\r') {
				cr++;
			} else {
				cr = 0;
				feed(v, i, "\r\n", 2);
			}
		}
		feed(v, i, start, (size_t) (end - start));
		v->text_cr[i] = cr;
	}
}

int pgp_verify_final(struct pgp_verify *v, const struct pgp_sig **ret_good, const struct pgp_key **ret_key,
		     struct bs_err *e)
{
	for (size_t i = 0; i < v->n_sigs; i++) {
		const struct hashinfo *hi = hash_of(v->sigs[i].hash_algo);
		const struct pgp_sig *s = &v->sigs[i];
		unsigned char dig[64];
		unsigned char tr[6] = { 4, 0xFF, (unsigned char) (s->hashed_len >> 24), (unsigned char) (s->hashed_len >> 16),
					(unsigned char) (s->hashed_len >> 8), (unsigned char) s->hashed_len };
		/* text mode: CRs still held back end the data and are dropped */
		feed(v, i, s->hashed, s->hashed_len);
		feed(v, i, tr, sizeof tr);
		if (s->hash_algo == 8)
			sha256_out(&v->fast[i], dig);
		else
			hi->vt->out(&v->h[i].vtable, dig);
		if (rsa_check_digest(s, v->signer[i], hi, dig) == 0) {
			*ret_good = &v->sigs[i];
			*ret_key = v->signer[i];
			return 0;
		}
	}
	return err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, "bad signature: the data does not match (altered or truncated)");
}
