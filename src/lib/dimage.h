/* dimage.h: inspect a `docker save` archive (legacy v1.2 layout and the OCI layout that
 * Docker 25+ writes alongside manifest.json), plain or gzip'd, without unpacking it.
 *
 * manifest.json (at most 1 MiB) must be a non-empty array whose first object has
 * "Config" (".../<64 hex>.json" or "blobs/sha256/<64 hex>") and "Layers"; every file it
 * names must be a regular file in the archive.  The image id is the config's digest. */
#ifndef BS_DIMAGE_H
#define BS_DIMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"

#define DIMAGE_MAX_TAGS 16
#define DIMAGE_MAX_LAYERS 128

struct dimage_info {
	char id[72];                        /* "sha256:<64 hex>" */
	char tags[DIMAGE_MAX_TAGS][256];
	size_t n_tags;
	struct {
		char path[256];
		long long size;
	} layers[DIMAGE_MAX_LAYERS];
	size_t n_layers;
	long long config_size;
	long long archive_entries;
	bool gzipped;                       /* the archive is gzip'd (Docker loads it as it is) */
};

/* Read the archive on fd from its current position.  0, or -EBADMSG (exit class 102)
 * saying what is wrong. */
int dimage_inspect(int fd, struct dimage_info *ii, struct bs_err *e);

#endif
