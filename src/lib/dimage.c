/* dimage.c: see dimage.h. */
#include "dimage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "sha256.h"
#include "strbuf.h"
#include "tar.h"

#define MANIFEST_MAX (1024LL * 1024)
#define ENTRIES_MAX 4096

/* Every entry of the archive, in order; a config candidate's hash with it. */
static struct {
	char name[256];
	long long size;
	char type;
	bool hashed;            /* a config candidate: sha is the sha256 of its bytes */
	unsigned char sha[32];
} entries[ENTRIES_MAX];

static const char *clean(const char *n)
{
	while (n[0] == '.' && n[1] == '/')
		n += 2;
	return n;
}

/* The entry called name, the last one when there are several (unpacking keeps the last). */
static int find(size_t n, const char *name)
{
	for (size_t i = n; i-- > 0;)
		if (!strcmp(entries[i].name, clean(name)))
			return (int) i;
	return -1;
}

static bool hex64(const char *s)
{
	if (strlen(s) < 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

#define BAD(...) err_setx(e, -EBADMSG, BS_EXIT_INTEGRITY, __VA_ARGS__)

/* Hash the current entry (size bytes, at most DIMAGE_CONFIG_MAX) if it can be a config: its
 * first non-blank byte is '{'.  Anything else is left unread (tar_next skips it). */
static int hash_candidate(struct tar_reader *t, bool *hashed, unsigned char sha[32], struct bs_err *e)
{
	static char buf[65536];
	struct sha256_ctx h;
	bool seen = false; /* the first non-blank byte */
	long long got;

	*hashed = false;
	sha256_init(&h);
	while ((got = tar_read(t, buf, sizeof buf, e)) > 0) {
		for (long long i = 0; !seen && i < got; i++) {
			if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')
				continue;
			if (buf[i] != '{')
				return 0;
			seen = true;
		}
		sha256_update(&h, buf, (size_t) got);
	}
	if (got < 0)
		return (int) got;
	if (seen) {
		sha256_out(&h, sha);
		*hashed = true;
	}
	return 0;
}

/* One object of manifest.json into *im. */
static int image(const struct json *j, int obj, size_t n, struct dimage_image *im, struct bs_err *e)
{
	static const char digits[] = "0123456789abcdef";
	char path[512], hex[65];
	const char *name;
	int cfg, layers, tags, i;

	/* Only what is filled in is set: the arrays are 600 KiB, and clearing them would make all
	 * of it resident (most of a first run's memory). */
	im->id[0] = im->config[0] = '\0';
	im->config_size = 0;
	im->n_tags = im->n_layers = 0;
	if (j->tok[obj].type != JSMN_OBJECT)
		return BAD("manifest.json: an entry is not an object");
	cfg = json_get(j, obj, "Config");
	if (json_string(j, cfg, path, sizeof path) <= 0)
		return BAD("manifest.json: no Config");
	i = find(n, path);
	if (i < 0 || entries[i].type != '0')
		return BAD("manifest.json names config '%.80s', which is not in the archive", path);
	if (entries[i].size > DIMAGE_CONFIG_MAX)
		return BAD("config '%.80s' is %lld bytes (limit %lld)", path, entries[i].size, DIMAGE_CONFIG_MAX);
	if (!entries[i].hashed)
		return BAD("config '%.80s' is not a JSON object", path);
	for (size_t q = 0; q < 32; q++) {
		hex[2 * q] = digits[entries[i].sha[q] >> 4];
		hex[2 * q + 1] = digits[entries[i].sha[q] & 15];
	}
	hex[64] = '\0';
	name = clean(path);
	if (!strncmp(name, "blobs/sha256/", 13) && hex64(name + 13) && name[13 + 64] == '\0' && memcmp(name + 13, hex, 64) != 0)
		return BAD("config blob '%.80s' does not match its digest: its bytes hash to sha256:%s", path, hex);
	snprintf(im->id, sizeof im->id, "sha256:%s", hex);
	snprintf(im->config, sizeof im->config, "%s", entries[i].name);
	im->config_size = entries[i].size;
	tags = json_get(j, obj, "RepoTags");
	if (tags >= 0 && j->tok[tags].type == JSMN_ARRAY) {
		for (int q = 0, t = tags + 1; q < j->tok[tags].size; q++, t = json_skip(j, t)) {
			if (im->n_tags == DIMAGE_MAX_TAGS)
				return BAD("manifest.json: more than %d tags", DIMAGE_MAX_TAGS);
			if (json_string(j, t, im->tags[im->n_tags], sizeof im->tags[0]) <= 0)
				return BAD("manifest.json: a RepoTags entry is not a string");
			im->n_tags++;
		}
	}
	layers = json_get(j, obj, "Layers");
	if (layers < 0 || j->tok[layers].type != JSMN_ARRAY || j->tok[layers].size < 1)
		return BAD("manifest.json: no Layers");
	for (int q = 0, l = layers + 1; q < j->tok[layers].size; q++, l = json_skip(j, l)) {
		if (im->n_layers == DIMAGE_MAX_LAYERS)
			return BAD("manifest.json: more than %d layers", DIMAGE_MAX_LAYERS);
		if (json_string(j, l, path, sizeof path) <= 0 || strlen(path) >= sizeof im->layers[0].path)
			return BAD("manifest.json: a Layers entry is not a usable string");
		i = find(n, path);
		if (i < 0 || entries[i].type != '0')
			return BAD("manifest.json names layer '%.80s', which is not in the archive", path);
		im->layers[im->n_layers].size = entries[i].size;
		snprintf(im->layers[im->n_layers].path, sizeof im->layers[0].path, "%s", clean(path));
		im->n_layers++;
	}
	return 0;
}

int dimage_inspect(int fd, struct dimage_info *ii, struct bs_err *e)
{
	static char manifest[MANIFEST_MAX + 1];
	static struct tar_entry ent;
	static jsmntok_t tok[4096];
	static struct tar_gz gz; /* zlib state for a gzip'd archive */
	struct tar_reader t;
	struct json j;
	long long mlen = -1;
	size_t n = 0;
	int k;

	ii->n_images = 0; /* not memset: see image() */
	ii->archive_entries = 0;
	tar_init(&t, fd, &gz);
	ii->gzipped = tar_gzipped(&t);
	while ((k = tar_next(&t, &ent, e)) > 0) {
		const char *name = clean(ent.name);
		ii->archive_entries++;
		if (n == ENTRIES_MAX)
			return BAD("not a docker-save archive: more than %d entries", ENTRIES_MAX);
		if (strlen(name) >= sizeof entries[0].name)
			continue; /* too long to be a name the manifest refers to */
		snprintf(entries[n].name, sizeof entries[n].name, "%s", name);
		entries[n].size = ent.size;
		entries[n].type = ent.type;
		entries[n].hashed = false;
		if (!strcmp(name, "manifest.json") && ent.type == '0') {
			long long got;
			if (ent.size > MANIFEST_MAX)
				return BAD("manifest.json is %lld bytes (limit %lld)", ent.size, MANIFEST_MAX);
			got = tar_read(&t, manifest, (size_t) ent.size, e);
			if (got < 0)
				return (int) got;
			mlen = got;
		} else if (ent.type == '0' && ent.size <= DIMAGE_CONFIG_MAX) {
			k = hash_candidate(&t, &entries[n].hashed, entries[n].sha, e);
			if (k < 0)
				return k;
		}
		n++;
	}
	if (k < 0)
		return k;
	if (mlen < 0)
		return BAD("not a docker-save archive: no manifest.json");
	if (json_parse(&j, manifest, (size_t) mlen, tok, sizeof tok / sizeof tok[0], e) < 0)
		return BAD("manifest.json: %s", "not valid JSON");
	if (j.tok[0].type != JSMN_ARRAY || j.tok[0].size < 1)
		return BAD("manifest.json: not a non-empty array");
	if (j.tok[0].size > DIMAGE_MAX_IMAGES)
		return BAD("manifest.json: %d images (limit %d)", j.tok[0].size, DIMAGE_MAX_IMAGES);
	for (int q = 0, obj = 1; q < j.tok[0].size; q++, obj = json_skip(&j, obj)) {
		k = image(&j, obj, n, &ii->images[ii->n_images], e);
		if (k < 0)
			return j.tok[0].size > 1 ? err_suffix(e, "(image %d of %d)", q + 1, j.tok[0].size) : k;
		ii->n_images++;
	}
	return 0;
}

static bool has_tag(const struct dimage_image *im, const char *tag)
{
	for (size_t i = 0; i < im->n_tags; i++)
		if (!strcmp(im->tags[i], tag))
			return true;
	return false;
}

/* "sha256:0123456789ab (repo:tag), ..." for a message. */
static void describe(const struct dimage_info *ii, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ii->n_images && len < cap; i++) {
		const struct dimage_image *im = &ii->images[i];
		int w;
		if (im->n_tags > 1)
			w = snprintf(buf + len, cap - len, "%s%.19s (%.100s and %zu more)", i ? ", " : "", im->id, im->tags[0],
				     im->n_tags - 1);
		else
			w = snprintf(buf + len, cap - len, "%s%.19s (%.100s)", i ? ", " : "", im->id,
				     im->n_tags ? im->tags[0] : "untagged");
		if (w < 0)
			break;
		len += (size_t) w;
	}
}

int dimage_select(const struct dimage_info *ii, const char *tag, struct bs_err *e)
{
	char what[400];
	size_t tagged = 0;
	int pick = -1;
	bool differ = false, same = true;

	if (ii->n_images == 0)
		return BAD("the archive holds no image");
	for (size_t i = 0; i < ii->n_images; i++) {
		same &= !strcmp(ii->images[i].id, ii->images[0].id);
		if (!has_tag(&ii->images[i], tag))
			continue;
		tagged++;
		if (pick < 0)
			pick = (int) i;
		else
			differ |= strcmp(ii->images[i].id, ii->images[pick].id) != 0;
	}
	if (tagged && !differ)
		return pick;
	if (!tagged && same)
		return 0; /* one image (perhaps listed more than once): the caller tags it */
	describe(ii, what, sizeof what);
	if (tagged)
		return BAD("%zu of the archive's %zu images are tagged %s, and they differ: %s", tagged, ii->n_images, tag, what);
	return BAD("the archive holds %zu images, none tagged %s: %s", ii->n_images, tag, what);
}

/* What containerd's importer calls a layer's media type: compressed (gzip or zstd, by their
 * magic numbers) or not; an empty layer is not. */
static bool compressed(const unsigned char *b, size_t n)
{
	if (n >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 0x08)
		return true;
	if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return true;
	/* a zstd skippable frame: little-endian magic 0x184D2A50..5F, then its length */
	return n >= 8 && (b[0] & 0xf0) == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18;
}

int dimage_manifest_digest(int fd, const struct dimage_image *im, char out[72], struct bs_err *e)
{
	static struct tar_gz gz;
	static struct tar_entry ent;
	static char buf[65536];
	static struct {
		unsigned char sha[32];
		unsigned char head[8];
		size_t head_len;
		long long size;
		bool seen;
	} lay[DIMAGE_MAX_LAYERS];
	static char m[512 + DIMAGE_MAX_LAYERS * 256];
	struct tar_reader t;
	struct sha256_ctx h;
	int k;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return err_set(e, -errno, "seek: %s", strerror(errno));
	memset(lay, 0, sizeof lay);
	tar_init(&t, fd, &gz);
	while ((k = tar_next(&t, &ent, e)) > 0) {
		const char *name = clean(ent.name);
		bool wanted = false;
		if (ent.type != '0')
			continue;
		if (!strcmp(name, "oci-layout"))
			return err_setx(e, -ENOTSUP, BS_EXIT_INTEGRITY,
					"an OCI-layout archive: the image id Docker's containerd store gives it is not computed here");
		for (size_t i = 0; i < im->n_layers; i++)
			wanted |= !strcmp(name, im->layers[i].path);
		if (!wanted)
			continue;
		/* the layer's bytes as the archive holds them: their sha256, size and first bytes */
		{
			unsigned char sha[32], head[8];
			size_t head_len = 0;
			long long got, total = 0;
			sha256_init(&h);
			while ((got = tar_read(&t, buf, sizeof buf, e)) > 0) {
				for (long long q = 0; head_len < sizeof head && q < got; q++)
					head[head_len++] = (unsigned char) buf[q];
				sha256_update(&h, buf, (size_t) got);
				total += got;
			}
			if (got < 0)
				return (int) got;
			sha256_out(&h, sha);
			for (size_t i = 0; i < im->n_layers; i++) {
				if (strcmp(name, im->layers[i].path) != 0)
					continue; /* a later entry of the same name replaces an earlier one, as in a store */
				memcpy(lay[i].sha, sha, 32);
				memcpy(lay[i].head, head, head_len);
				lay[i].head_len = head_len;
				lay[i].size = total;
				lay[i].seen = true;
			}
		}
	}
	if (k < 0)
		return k;
	/* the manifest containerd's importer writes for a docker-save image: Go's encoding of
	 * {schemaVersion, mediaType, config, layers}, each descriptor {mediaType, digest, size} */
	{
		struct strbuf b = { m, 0, sizeof m, false };
		char num[32];
		strbuf_puts(&b, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
			    "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"");
		strbuf_puts(&b, im->id);
		(void) snprintf(num, sizeof num, "%lld", im->config_size);
		strbuf_puts(&b, "\",\"size\":");
		strbuf_puts(&b, num);
		strbuf_puts(&b, "},\"layers\":[");
		for (size_t i = 0; i < im->n_layers; i++) {
			static const char digits[] = "0123456789abcdef";
			char hex[65];
			if (!lay[i].seen)
				return BAD("layer '%s' is not in the archive", im->layers[i].path);
			for (size_t q = 0; q < 32; q++) {
				hex[2 * q] = digits[lay[i].sha[q] >> 4];
				hex[2 * q + 1] = digits[lay[i].sha[q] & 15];
			}
			hex[64] = '\0';
			(void) snprintf(num, sizeof num, "%lld", lay[i].size);
			strbuf_puts(&b, i ? ",{\"mediaType\":\"" : "{\"mediaType\":\"");
			strbuf_puts(&b, compressed(lay[i].head, lay[i].head_len) ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
										  : "application/vnd.docker.image.rootfs.diff.tar");
			strbuf_puts(&b, "\",\"digest\":\"sha256:");
			strbuf_puts(&b, hex);
			strbuf_puts(&b, "\",\"size\":");
			strbuf_puts(&b, num);
			strbuf_puts(&b, "}");
		}
		strbuf_puts(&b, "]}");
		if (b.over)
			return BAD("the image's manifest is too long");
		sha256_init(&h);
		sha256_update(&h, m, b.len);
	}
	(void) snprintf(out, 72, "sha256:");
	sha256_hex(&h, out + 7);
	return 0;
}
