/* dimage.c: see dimage.h. */
#include "dimage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "sha256.h"
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

	memset(ii, 0, sizeof *ii);
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
