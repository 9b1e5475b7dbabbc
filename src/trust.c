/* trust.c: see trust.h. */
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ecs_key.h" /* generated: src/keys/amazon-ecs-agent.gpg.asc */
#include "lib/clock.h"
#include "lib/fileio.h"

#define KEYRING_FILE_MAX (256 * 1024)
#define SIG_FILE_MAX 8192

int trust_load(struct pgp_keyring *kr, const char *const *files, size_t n, unsigned now, struct bs_err *e)
{
	static char buf[KEYRING_FILE_MAX];
	const struct pgp_key *pin;
	int k;

	memset(kr, 0, sizeof *kr);
	if (n == 0) {
		k = pgp_keyring_add(kr, ecs_key_asc, ecs_key_asc_len, now, e);
		if (k < 0) {
			err_class(e, BS_EXIT_INTERNAL);
			return err_wrap(e, "the embedded Amazon ECS key does not parse");
		}
		pin = pgp_keyring_find_primary(kr, ECS_KEY_FPR);
		if (!pin || !pin->usable)
			return err_setx(e, -EKEYREJECTED, BS_EXIT_INTERNAL,
					"the embedded key is not the pinned Amazon ECS key %s", ECS_KEY_FPR);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len;
		k = fileio_read_bounded(AT_FDCWD, files[i], buf, sizeof buf, &len, e);
		if (k < 0)
			return err_class(e, BS_EXIT_USAGE);
		k = pgp_keyring_add(kr, (const unsigned char *) buf, len, now, e);
		if (k < 0) {
			err_class(e, BS_EXIT_USAGE);
			return err_wrap(e, "keyring '%s'", files[i]);
		}
	}
	return 0;
}

int trust_verify_file(const struct pgp_keyring *kr, int dirfd, const char *data_path, const char *sig_path,
		      unsigned now, char *out, size_t cap, struct bs_err *e)
{
	static struct pgp_verify v;
	static unsigned char sig[SIG_FILE_MAX], chunk[65536];
	const struct pgp_sig *good;
	const struct pgp_key *key;
	char fpr[41], pfpr[41], when[32];
	size_t siglen;
	int fd, k;

	k = fileio_read_bounded(dirfd, sig_path, (char *) sig, sizeof sig, &siglen, e);
	if (k < 0)
		return k == -E2BIG ? err_setx(e, k, BS_EXIT_INTEGRITY, "signature '%s' larger than %d bytes", sig_path,
					      SIG_FILE_MAX - 1)
				   : err_class(e, BS_EXIT_USAGE);
	k = pgp_verify_init(&v, kr, sig, siglen, now, e);
	if (k < 0)
		return err_wrap(e, "'%s'", sig_path);
	fd = fileio_open(dirfd, data_path, O_RDONLY | O_NOCTTY, 0);
	if (fd < 0)
		return err_setx(e, fd, BS_EXIT_USAGE, "open '%s': %s", data_path, strerror(-fd));
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			k = err_set(e, -errno, "read '%s': %s", data_path, strerror(errno));
			(void) close(fd);
			return k;
		}
		if (n == 0)
			break;
		pgp_verify_update(&v, chunk, (size_t) n);
	}
	(void) close(fd);
	k = pgp_verify_final(&v, &good, &key, e);
	if (k < 0)
		return err_wrap(e, "'%s' with '%s'", data_path, sig_path);
	clock_utc(good->created, false, when);
	pgp_hex(key->fpr, 20, fpr);
	pgp_hex(kr->k[key->primary].fpr, 20, pfpr);
	if (key->primary == (int) (key - kr->k))
		snprintf(out, cap, "good signature from %s (%s), %s, made %s", fpr, kr->k[key->primary].uid,
			 pgp_hash_name(good->hash_algo), when);
	else
		snprintf(out, cap, "good signature from subkey %s of %s (%s), %s, made %s", fpr, pfpr,
			 kr->k[key->primary].uid, pgp_hash_name(good->hash_algo), when);
	return 0;
}
