/* dimage.c: see dimage.h. */
#include "dimage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "tar.h"

#define MANIFEST_MAX (1024LL * 1024)
#define ENTRIES_MAX 4096

static struct {
	char name[256];
	long long size;
	char type;
} entries[ENTRIES_MAX];

static const char *clean(const char *n)
{
	while (n[0] == '.' && n[1] == '/')
		n += 2;
	return n;
}

static long long find(size_t n, const char *name, char *type)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(entries[i].name, clean(name))) {
			*type = entries[i].type;
			return entries[i].size;
		}
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
	int k, obj, cfg, layers, tags;
	char path[512], type;
	const char *hex;

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
		n++;
		if (!strcmp(name, "manifest.json") && ent.type == '0') {
			long long got;
			if (ent.size > MANIFEST_MAX)
				return BAD("manifest.json is %lld bytes (limit %lld)", ent.size, MANIFEST_MAX);
			got = tar_read(&t, manifest, (size_t) ent.size, e);
			if (got < 0)
				return (int) got;
			mlen = got;
		}
	}
	if (k < 0)
		return k;
	if (mlen < 0)
		return BAD("not a docker-save archive: no manifest.json");
	if (json_parse(&j, manifest, (size_t) mlen, tok, sizeof tok / sizeof tok[0], e) < 0)
		return BAD("manifest.json: %s", "not valid JSON");
	if (j.tok[0].type != JSMN_ARRAY || j.tok[0].size < 1)
		return BAD("manifest.json: not a non-empty array");
	obj = 1;
	cfg = json_get(&j, obj, "Config");
	if (json_string(&j, cfg, path, sizeof path) <= 0)
		return BAD("manifest.json: no Config");
	hex = strncmp(clean(path), "blobs/sha256/", 13) == 0 ? clean(path) + 13 : clean(path);
	if (!hex64(hex) || (hex[64] != '\0' && strcmp(hex + 64, ".json") != 0))
		return BAD("manifest.json: Config '%.80s' does not name a sha256 digest", path);
	snprintf(ii->id, sizeof ii->id, "sha256:%.64s", hex);
	ii->config_size = find(n, path, &type);
	if (ii->config_size < 0 || type != '0')
		return BAD("manifest.json names config '%.80s', which is not in the archive", path);
	tags = json_get(&j, obj, "RepoTags");
	if (tags >= 0 && j.tok[tags].type == JSMN_ARRAY) {
		for (int q = 0, i = tags + 1; q < j.tok[tags].size; q++, i = json_skip(&j, i)) {
			if (ii->n_tags == DIMAGE_MAX_TAGS)
				return BAD("manifest.json: more than %d tags", DIMAGE_MAX_TAGS);
			if (json_string(&j, i, ii->tags[ii->n_tags], sizeof ii->tags[0]) <= 0)
				return BAD("manifest.json: a RepoTags entry is not a string");
			ii->n_tags++;
		}
	}
	layers = json_get(&j, obj, "Layers");
	if (layers < 0 || j.tok[layers].type != JSMN_ARRAY || j.tok[layers].size < 1)
		return BAD("manifest.json: no Layers");
	for (int q = 0, i = layers + 1; q < j.tok[layers].size; q++, i = json_skip(&j, i)) {
		if (ii->n_layers == DIMAGE_MAX_LAYERS)
			return BAD("manifest.json: more than %d layers", DIMAGE_MAX_LAYERS);
		if (json_string(&j, i, path, sizeof path) <= 0 || strlen(path) >= sizeof ii->layers[0].path)
			return BAD("manifest.json: a Layers entry is not a usable string");
		ii->layers[ii->n_layers].size = find(n, path, &type);
		if (ii->layers[ii->n_layers].size < 0 || type != '0')
			return BAD("manifest.json names layer '%.80s', which is not in the archive", path);
		snprintf(ii->layers[ii->n_layers].path, sizeof ii->layers[0].path, "%s", clean(path));
		ii->n_layers++;
	}
	return 0;
}
