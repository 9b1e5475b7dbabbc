/* fuzz_tar.c: the tar reader, docker-save inspection, the agent step's choice of image and
 * the containerd store's id of each image (a second pass) on arbitrary archives (through a memfd, since the reader takes a file descriptor). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/dimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dimage_info ii;
	struct bs_err e;
	int fd = memfd_create("fuzz-tar", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t) size && lseek(fd, 0, SEEK_SET) == 0 && dimage_inspect(fd, &ii, &e) == 0) {
		int k = dimage_select(&ii, "amazon/amazon-ecs-agent:latest", &e);
		if (ii.n_images < 1 || ii.n_images > DIMAGE_MAX_IMAGES || k >= (int) ii.n_images)
			abort();
		for (size_t i = 0; i < ii.n_images; i++) {
			char id[72];
			if (dimage_manifest_digest(fd, &ii.images[i], id, &e) == 0 && (strlen(id) != 71 || strncmp(id, "sha256:", 7) != 0))
				abort();
		}
	}
	close(fd);
	return 0;
}
