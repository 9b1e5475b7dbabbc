/* cmd_verify.c: `verify [--keyring FILE]... DATA SIG` and `image inspect TAR`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd_verify.h"
#include "lib/dimage.h"
#include "log.h"
#include "trust.h"

int cmd_verify(struct run *r, const char *data, const char *sig, const char *const *keyrings, size_t n_keyrings)
{
	static struct pgp_keyring kr;
	char line[512];
	unsigned now = (unsigned) time(NULL);

	for (size_t i = 0; i < n_keyrings; i++)
		log_msg(LOG_WARNING, "verify", "trust set replaced: keys from '%s' instead of the Amazon ECS key", keyrings[i]);
	if (trust_load(&kr, keyrings, n_keyrings, now, &r->err) < 0 ||
	    trust_verify_file(&kr, AT_FDCWD, data, sig, now, line, sizeof line, &r->err) < 0)
		return r->err.code;
	printf("%s\n", line);
	return BS_EXIT_OK;
}

/* `image inspect TAR`: every image of the archive (manifest order), its id, tags and layers */
int cmd_image_inspect(struct run *r, const char *tar)
{
	static struct dimage_info ii;
	int fd = open(tar, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return err_setx(&r->err, -errno, BS_EXIT_USAGE, "open '%s': %s", tar, strerror(errno));
	if (dimage_inspect(fd, &ii, &r->err) < 0) {
		(void) close(fd);
		return err_wrap(&r->err, "'%s'", tar);
	}
	if (ii.gzipped)
		printf("compression: gzip\n");
	if (ii.n_images > 1)
		printf("images: %zu\n", ii.n_images);
	/* one block per image, in manifest order */
	for (size_t m = 0; m < ii.n_images; m++) {
		const struct dimage_image *im = &ii.images[m];
		char cid[72];
		struct bs_err ce;
		printf("image: %s\n", im->id);
		for (size_t i = 0; i < im->n_tags; i++)
			printf("tag: %s\n", im->tags[i]);
		printf("layers: %zu\n", im->n_layers);
		for (size_t i = 0; i < im->n_layers; i++)
			printf("layer: %s %lld bytes\n", im->layers[i].path, im->layers[i].size);
		/* the id Docker's containerd image store gives it (new Docker 29 installations) */
		if (dimage_manifest_digest(fd, im, cid, &ce) == 0)
			printf("containerd-id: %s\n", cid);
		else
			printf("containerd-id: none (%s)\n", ce.msg);
	}
	(void) close(fd);
	return BS_EXIT_OK;
}
