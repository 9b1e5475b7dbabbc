/* dimage.h: inspect a `docker save` archive (legacy v1.2 layout and the OCI layout that
 * Docker 25+ writes alongside manifest.json), plain or gzip'd, without unpacking it: one
 * pass over the archive, fixed memory.
 *
 * manifest.json (at most 1 MiB) must be a non-empty array of objects, one per image (at
 * most DIMAGE_MAX_IMAGES), each with "Config" and "Layers" and, optionally, "RepoTags";
 * every file it names must be a regular file in the archive (when a name occurs twice,
 * the later entry counts, as when the archive is unpacked).
 *
 * The image id is the sha256 of the config's bytes, as Docker computes it; the config's
 * name is not trusted.  manifest.json may come before or after the configs (docker save
 * writes it last, other tools first), so every regular entry of at most DIMAGE_CONFIG_MAX
 * bytes whose first non-blank byte is '{' is hashed as it streams by, keyed by its name,
 * and the manifest's configs are looked up once the archive has ended.  Refused: a config
 * over DIMAGE_CONFIG_MAX, one that does not start as a JSON object, an OCI blob
 * ("blobs/sha256/<64 hex>") whose bytes do not hash to its name (a content-addressed name
 * is a promise).  A legacy name ("<64 hex>.json", or any other) is not compared with the
 * bytes: Docker does not compare it either, and takes the hash of the bytes as the id. */
#ifndef BS_DIMAGE_H
#define BS_DIMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "../err.h"

#define DIMAGE_MAX_IMAGES 16
#define DIMAGE_MAX_TAGS 16
#define DIMAGE_MAX_LAYERS 128
#define DIMAGE_CONFIG_MAX (1024LL * 1024) /* an image config is a few KiB */

struct dimage_image {
	char id[72];                        /* "sha256:<64 hex>": the hash of the config's bytes */
	char config[256];                   /* the config's name in the archive */
	long long config_size;
	char tags[DIMAGE_MAX_TAGS][256];
	size_t n_tags;
	struct {
		char path[256];
		long long size;
	} layers[DIMAGE_MAX_LAYERS];
	size_t n_layers;
};

struct dimage_info {
	struct dimage_image images[DIMAGE_MAX_IMAGES]; /* in manifest order */
	size_t n_images;                    /* >= 1 after a successful inspection */
	long long archive_entries;
	bool gzipped;                       /* the archive is gzip'd (Docker loads it as it is) */
};

/* Read the archive on fd from its current position.  0, or -EBADMSG (exit class 102)
 * saying what is wrong. */
int dimage_inspect(int fd, struct dimage_info *ii, struct bs_err *e);

/* The image a caller that wants `tag` takes from an inspected archive: the one image
 * carrying tag (listed more than once under the same id counts as one), else the only
 * image there is (the caller tags it).  Its index, or -EBADMSG (102) with a message that
 * says what the archive holds: several images and none tagged so, several different
 * images tagged so. */
int dimage_select(const struct dimage_info *ii, const char *tag, struct bs_err *e);

/* The image id Docker's containerd image store (the default of new Docker 29 installations)
 * gives image im of the archive on fd when it loads it: the sha256 of the manifest
 * containerd's importer makes from the docker-save layout (the config's digest and size,
 * each layer file's digest, size and media type, compressed or not), in Go's encoding.  The
 * archive is read again from its start.  0 with out ("sha256:<64 hex>"), -ENOTSUP for an
 * OCI-layout archive (containerd takes its own index), or < 0 (e). */
int dimage_manifest_digest(int fd, const struct dimage_image *im, char out[72], struct bs_err *e);

#endif
