/* step_agent_image.c: the Amazon ECS agent image, verified and loaded into Docker.
 *
 * Owns: /var/cache/ecs/ecs-agent.tar (+ .asc, + .id) and the image amazon/amazon-ecs-agent:latest
 * in Docker.
 * Source (installation document): https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ for
 * us-east-1, https://s3.REGION.amazonaws.com/amazon-ecs-agent-REGION/ elsewhere (the
 * partition's suffix for the other partitions: s3.cn-north-1.amazonaws.com.cn), file
 * ecs-agent-[arm64-]VERSION.tar and its .asc; --agent-url replaces the whole URL.
 * Converged: the .id file (written only after a verified load) names the image Docker has
 * under amazon/amazon-ecs-agent:latest, and the checkpoint says the source and the trust
 * set have not changed ("latest" is not downloaded again at every boot; --refresh forces it).
 * check() asks Docker (cheap) and reads the checkpoint; it never re-reads the tarball.
 * apply(): with a cached tarball from the same source, verify it and load it (no download);
 * a cache that fails verification is set aside and downloaded again.  Otherwise download
 * the signature, then stream the tarball into ecs-agent.tar.partial while the OpenPGP
 * verifier hashes it; rename only after the signature verified.  Inspect the archive
 * (manifest, image ids) and pick the agent: the one image tagged amazon/amazon-ecs-agent:latest,
 * or the only image (an archive with several images and not exactly one agent among them is
 * refused, saying what it holds); load it, tag it if its manifest did not, confirm Docker
 * has its image id under the tag, and only then write the .id file.
 * Crash analysis: a crash mid-download leaves a .partial (removed by the next download);
 * a crash between rename and load leaves a verified cache that the next run verifies again
 * and loads; the .id file is written last, so it never names an image that was not loaded.
 * An unverified tarball is never loaded.
 * --agent-image REF (the installation document's alternative: Docker pulls the agent): no
 * tarball and no OpenPGP; apply() has Docker pull REF (/images/create, its progress logged,
 * credentials from Docker's config.json), confirms a pinned digest against the RepoDigests
 * Docker reports (or warns, naming the digest a tag resolved to), tags the image and writes the
 * .id file with "docker://REF" as its source and the digest on a third line.  Converged as
 * above: a tag such as latest is not pulled again at every boot.  A refused pull tags nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "lib/fault.h"
#include "lib/bgpipe.h"
#include "lib/dimage.h"
#include "lib/docker.h"
#include "lib/fetch.h"
#include "lib/fileio.h"
#include "lib/imds.h"
#include "lib/tls.h"
#include "log.h"
#include "steps.h"
#include "trust.h"
#include "lib/clock.h"

#define SIG_MAX 8192
#define AGENT_TAR_MAX (2LL * 1024 * 1024 * 1024) /* 2 GiB: the agent is ~100 MB */



static bool valid_version(const char *v)
{
	size_t n = strlen(v);
	if (!strcmp(v, "latest"))
		return true;
	if (n == 8 && strspn(v, "0123456789abcdef") == 8)
		return true;
	if (n >= 6 && n < 32 && v[0] == 'v' && strspn(v + 1, "0123456789.") == n - 1) {
		/* vX.Y.Z: three numbers, each one or more digits */
		const char *p = v + 1;
		for (int part = 0; part < 3; part++) {
			size_t d = strspn(p, "0123456789");
			if (!d || d > 9 || p[d] != (part < 2 ? '.' : '\0'))
				return false;
			p += d + (part < 2);
		}
		return true;
	}
	return false;
}

int agent_image_prepare(struct run *r)
{
	const char *v = r->agent_version ? r->agent_version : "latest", *region = r->region;
	char reg[64];
	struct utsname u;
	bool arm = uname(&u) == 0 && !strcmp(u.machine, "aarch64");
	int n;

	if (r->package)
		return 0; /* the distribution's ecs-init brings the agent */
	if (r->agent_image) {
		if (docker_ref_parse(r->agent_image, &r->agent_ref, &r->err) < 0)
			return err_wrap(&r->err, "--agent-image");
		if (r->agent_url_opt || r->agent_version)
			log_msg(LOG_WARNING, "agent-image", "--agent-image %s: %s%s%s not used", r->agent_image,
				r->agent_url_opt ? "--agent-url" : "", r->agent_url_opt && r->agent_version ? " and " : "",
				r->agent_version ? "--agent-version" : "");
		n = snprintf(r->agent_url, sizeof r->agent_url, "docker://%s", r->agent_image);
		r->agent_sig_url[0] = '\0';
		return n < 0 || (size_t) n >= sizeof r->agent_url ? err_setx(&r->err, -ENAMETOOLONG, BS_EXIT_USAGE, "--agent-image too long") : 0;
	}
	if (!valid_version(v))
		return err_setx(&r->err, -EINVAL, BS_EXIT_USAGE, "--agent-version '%s': want latest, vX.Y.Z or an 8-hex commit", v);
	if (r->agent_url_opt) {
		n = snprintf(r->agent_url, sizeof r->agent_url, "%s", r->agent_url_opt);
	} else {
		if (fetch_region_resolve(&r->net, region, r->imds_region, reg, sizeof reg, &r->err) < 0)
			return err_wrap(&r->err, "the agent's download URL");
		region = reg;
		if (!strcmp(region, "us-east-1"))
			n = snprintf(r->agent_url, sizeof r->agent_url,
				     "https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-%s%s.tar", arm ? "arm64-" : "", v);
		else /* the region's bucket in its partition's S3: s3.cn-north-1.amazonaws.com.cn, ... */
			n = snprintf(r->agent_url, sizeof r->agent_url,
				     "https://s3.%s.%s/amazon-ecs-agent-%s/ecs-agent-%s%s.tar", region,
				     fetch_partition(region).dns_suffix, region, arm ? "arm64-" : "", v);
	}
	if (n < 0 || (size_t) n >= sizeof r->agent_url)
		return err_setx(&r->err, -ENAMETOOLONG, BS_EXIT_USAGE, "agent URL too long");
	(void) snprintf(r->agent_sig_url, sizeof r->agent_sig_url, "%s.asc", r->agent_url);
	return 0;
}

void agent_image_inputs(struct run *r, struct sha256_ctx *h)
{
	sha256_update_str(h, r->package ? "method package" : "method container");
	sha256_update_str(h, r->agent_url);
	sha256_update_str(h, r->n_keyrings ? "keyrings" : "embedded:" ECS_KEY_FPR);
	/* The keys themselves, not their paths: the saved copy of a keyring (options.h) is the
	 * same trust set as the file it was given as. */
	for (size_t i = 0; i < r->n_keyrings; i++) {
		static char keys[256 * 1024];
		size_t n = 0;
		struct bs_err e;
		if (fileio_read_bounded(AT_FDCWD, r->keyrings[i], keys, sizeof keys, &n, &e) == 0)
			sha256_update(h, keys, n);
		else
			sha256_update_str(h, r->keyrings[i]);
	}
}

static int open_docker(struct run *r)
{
	return r->docker.api[0] ? 0 : docker_open(&r->docker, r->root, r->docker_host, &r->err);
}

static int trust(struct run *r)
{
	if (r->keyring_loaded)
		return 0;
	for (size_t i = 0; i < r->n_keyrings; i++)
		log_msg(LOG_WARNING, "agent-image", "trust set replaced: keys from '%s' instead of the Amazon ECS key",
			r->keyrings[i]);
	if (trust_load(&r->keyring, r->keyrings, r->n_keyrings, (unsigned) time(NULL), &r->err) < 0)
		return r->err.code;
	r->keyring_loaded = true;
	return 0;
}

/* The .id file: "sha256:<id>\n<source url>\n" (a pull: "\n<name>@<digest>\n" after it).
 * 1 if it names id for the current URL; the third line, if any, into pulled[80 + 256]. */
static char pulled[340];
static int read_id(struct run *r, char *id, size_t cap)
{
	char text[2048], *nl, *third;
	size_t n;
	struct bs_err e;

	pulled[0] = '\0';
	if (fileio_read_bounded(r->root_fd, PATH_AGENT_ID, text, sizeof text, &n, &e) < 0)
		return 0;
	nl = strchr(text, '\n');
	if (!nl || (size_t) (nl - text) >= cap)
		return 0;
	*nl = '\0';
	memcpy(id, text, (size_t) (nl - text) + 1); /* fits: checked against cap above */
	third = strchr(nl + 1, '\n');
	if (third && third[1] && strchr(third + 1, '\n'))
		(void) snprintf(pulled, sizeof pulled, "%.*s", (int) (strchr(third + 1, '\n') - third - 1), third + 1);
	return strncmp(nl + 1, r->agent_url, strlen(r->agent_url)) == 0 && nl[1 + strlen(r->agent_url)] == '\n';
}

int agent_image_check(struct run *r)
{
	char want[80], have[80];
	int k;

	if (r->package) {
		run_done(r, "not used: --method package (ecs-init loads the agent)");
		return 1;
	}
	if (r->refresh && !r->refreshed) {
		run_why(r, "--refresh: download the agent again");
		return 0;
	}
	if (open_docker(r) < 0) { /* the docker step's to fix (plan goes on); apply says it again */
		run_why(r, "%s", r->err.msg);
		err_clear(&r->err);
		return 0;
	}
	if (!read_id(r, want, sizeof want)) {
		run_why(r, "no verified agent image from %s yet", r->agent_url);
		return 0;
	}
	k = docker_image_id(&r->docker, AGENT_REPO ":" AGENT_TAG, have, sizeof have, &r->err);
	if (k < 0)
		return k;
	if (k == 0 || strcmp(have, want) != 0) {
		run_why(r, "Docker does not have the verified agent image %.19s under %s:%s", want, AGENT_REPO, AGENT_TAG);
		return 0;
	}
	if (!r->cp_valid) {
		run_why(r, "the agent source or trust set changed (the source: %s)", r->agent_url);
		return 0;
	}
	if (r->agent_image && pulled[0] && !r->done[0])
		run_done(r, "%s pulled as %s", r->agent_image, pulled);
	return 1;
}

/* ---- download with verification while streaming */

struct dl {
	int fd;
	struct pgp_verify *v;
	const struct pgp_keyring *kr; /* the trust set */
	struct bgpipe hash;        /* the verifier's hashing, in a second thread */
	const unsigned char *sig;  /* to start the verifier again when a retry starts over */
	size_t sig_len;
	long long total, done;
	int decile;
};

static void hash_piece(void *ctx, const void *p, size_t n)
{
	pgp_verify_update(ctx, p, n);
}

static int dl_begin(void *ctx, const struct http_resp *resp, struct bs_err *e)
{
	struct dl *d = ctx;
	int k;

	if (ftruncate(d->fd, 0) < 0 || lseek(d->fd, 0, SEEK_SET) < 0)
		return err_set(e, -errno, "truncate the download: %s", strerror(errno));
	/* A fresh verifier: no byte of an earlier, broken attempt may count. */
	bgpipe_finish(&d->hash);
	k = pgp_verify_init(d->v, d->kr, d->sig, d->sig_len, (unsigned) time(NULL), e);
	if (k < 0)
		return k;
	bgpipe_start(&d->hash, hash_piece, d->v, 0);
	d->total = resp->content_length;
	d->done = 0;
	d->decile = 0;
	return 0;
}

static int dl_data(void *ctx, const void *p, size_t n, struct bs_err *e)
{
	struct dl *d = ctx;
	int k;

	bgpipe_push(&d->hash, p, n);
	k = fileio_write_all(d->fd, p, n, NULL);
	if (k < 0)
		return err_setx(e, k, BS_EXIT_TEMP, "write '%s.partial': %s", PATH_AGENT_TAR, strerror(-k));
	d->done += (long long) n;
	if (d->total > 0 && d->done * 2 >= d->total && (d->done - (long long) n) * 2 < d->total)
		FAULT_POINT("agent-image-mid-download"); /* half of it in .partial */
	if (d->total > 0 && d->done * 10 / d->total > d->decile) {
		d->decile = (int) (d->done * 10 / d->total);
		log_msg(LOG_INFO, "agent-image", "download %d%% (%.1f of %.1f MiB)", d->decile * 10, (double) d->done / 1048576.0,
			(double) d->total / 1048576.0);
	}
	return 0;
}

/* The source's detached signature (r->agent_sig_url, at most SIG_MAX bytes) into sig. */
static int fetch_sig(struct run *r, char sig[SIG_MAX + 1], size_t *len)
{
	static struct http_resp resp;
	struct fetch_opts fo = { .region = r->region, .max_body = SIG_MAX };
	struct http_mem m;
	struct http_sink s;
	int k;

	(void) tls_trust_load(&r->net.tls, r->root_fd, r->net.ssl_cert_file, r->net.ssl_cert_var, &r->err);
	err_clear(&r->err);
	http_mem_sink(&s, &m, sig, SIG_MAX + 1);
	k = fetch_url(&r->net, r->agent_sig_url, &fo, &s, &resp, &r->err);
	if (k < 0)
		return err_wrap(&r->err, "agent signature");
	*len = m.len;
	return 0;
}

static int download(struct run *r)
{
	static struct pgp_verify v;
	static struct http_resp resp;
	static char sig[SIG_MAX + 1];
	struct http_sink s;
	struct fetch_opts fo = { .region = r->region };
	size_t sig_len = 0;
	const struct pgp_sig *good;
	const struct pgp_key *key;
	struct dl d = { .v = &v, .kr = &r->keyring, .sig = (const unsigned char *) sig };
	int dfd = -1, k;

	k = fetch_sig(r, sig, &sig_len);
	if (k < 0)
		return k;
	k = pgp_verify_init(&v, &r->keyring, (const unsigned char *) sig, sig_len, (unsigned) time(NULL), &r->err);
	if (k < 0)
		return err_wrap(&r->err, "agent signature %s", r->agent_sig_url);
	d.sig_len = sig_len;
	d.fd = fileio_open(r->root_fd, PATH_AGENT_TAR ".partial", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (d.fd < 0)
		return err_set(&r->err, d.fd, "create '%s.partial': %s", PATH_AGENT_TAR, strerror(-d.fd));
	fo.max_body = AGENT_TAR_MAX;
	s = (struct http_sink) { dl_begin, dl_data, &d };
	k = fetch_url(&r->net, r->agent_url, &fo, &s, &resp, &r->err);
	bgpipe_finish(&d.hash); /* every byte hashed; the verifier is ours again */
	FAULT_POINT("agent-image-after-download");
	if (k == 0 && resp.content_length >= 0 && d.done != resp.content_length)
		k = err_setx(&r->err, -EPROTO, BS_EXIT_TEMP, "agent download: %lld of %lld bytes", d.done, resp.content_length);
	if (k == 0)
		k = pgp_verify_final(&v, &good, &key, &r->err);
	/* No fsync of the tarball: a copy torn by a power loss fails the signature check that
	 * every reuse of the cache starts with, and is downloaded again.  (Flushing 100 MB here
	 * would cost more than the whole download.) */
	(void) close(d.fd);
	if (k < 0) {
		struct bs_err ignore;
		(void) fileio_unlink(r->root_fd, PATH_AGENT_TAR ".partial", &ignore); /* never keep an unverified file */
		return err_wrap(&r->err, "agent %s", r->agent_url);
	}
	/* The signature first, then the tarball by rename: a cache always pairs with its .asc. */
	k = fileio_write_atomic(r->root_fd, PATH_AGENT_SIG, sig, sig_len, 0600, &r->err);
	if (k < 0)
		return k;
	dfd = fileio_open(r->root_fd, PATH_AGENT_CACHE_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return err_set(&r->err, dfd, "open '%s': %s", PATH_AGENT_CACHE_DIR, strerror(-dfd));
	/* Remove the old tarball first: a rename that replaces a file makes ext4 write the new
	 * one out at once (its replace-by-rename heuristic: 20 ms per 100 MB here), which the
	 * verified-on-reuse cache does not need.  A crash in between leaves no cache: the next
	 * run downloads. */
	if (unlinkat(dfd, "ecs-agent.tar", 0) < 0 && errno != ENOENT) {
		k = err_set(&r->err, -errno, "remove the old '%s': %s", PATH_AGENT_TAR, strerror(errno));
		(void) close(dfd);
		return k;
	}
	FAULT_POINT("agent-image-before-rename");
	if (renameat(dfd, "ecs-agent.tar.partial", dfd, "ecs-agent.tar") < 0 || fsync(dfd) < 0) {
		k = err_set(&r->err, -errno, "rename '%s.partial': %s", PATH_AGENT_TAR, strerror(errno));
		(void) close(dfd);
		return k;
	}
	(void) close(dfd);
	return 0;
}

/* Verify the cached tarball against its cached signature (streaming).  0 or < 0. */
static int verify_cache(struct run *r, char *line, size_t cap)
{
	return trust_verify_file(&r->keyring, r->root_fd, PATH_AGENT_TAR, PATH_AGENT_SIG, (unsigned) time(NULL), line, cap, &r->err);
}

static int load(struct run *r)
{
	static struct dimage_info ii;
	const struct dimage_image *im = NULL;
	char have[80], id[80], idtext[2048];
	bool tagged = false;
	struct stat st;
	int fd, k;

	fd = fileio_open(r->root_fd, PATH_AGENT_TAR, O_RDONLY, 0);
	if (fd < 0)
		return err_set(&r->err, fd, "open '%s': %s", PATH_AGENT_TAR, strerror(-fd));
	long long t0 = clock_ms();
	k = dimage_inspect(fd, &ii, &r->err);
	log_msg(LOG_DEBUG, "agent-image", "inspected in %lld ms", clock_ms() - t0);
	/* The agent: the one image tagged amazon/amazon-ecs-agent:latest, or the only image;
	 * an archive with several images and not exactly one agent among them is not loaded. */
	if (k >= 0)
		k = dimage_select(&ii, AGENT_REPO ":" AGENT_TAG, &r->err);
	if (k >= 0) {
		im = &ii.images[k];
		k = 0;
	}
	if (k == 0 && fstat(fd, &st) < 0)
		k = err_set(&r->err, -errno, "stat: %s", strerror(errno));
	if (k == 0)
		k = docker_image_load(&r->docker, fd, (long long) st.st_size, &r->err);
	log_msg(LOG_DEBUG, "agent-image", "inspected and loaded in %lld ms", clock_ms() - t0);
	if (k < 0) {
		(void) close(fd);
		return err_wrap(&r->err, "load '%s'", PATH_AGENT_TAR);
	}
	FAULT_POINT("agent-image-after-load");
	/* Which id names the archive's image in Docker: its config's digest (Docker's own image
	 * store), or, in the containerd image store, the digest of the manifest containerd makes
	 * from the archive (computed here from the verified bytes, read again). */
	k = docker_image_id(&r->docker, im->id, have, sizeof have, &r->err);
	if (k == 1 && !strcmp(have, im->id)) {
		(void) snprintf(id, sizeof id, "%s", im->id);
	} else if (k >= 0) {
		k = dimage_manifest_digest(fd, im, id, &r->err);
		if (k < 0) {
			(void) close(fd);
			return err_wrap(&r->err, "Docker has no image %s after the load (a containerd image store?)", im->id);
		}
		log_msg(LOG_INFO, "agent-image", "Docker's containerd image store: the image is %s (its manifest), config %s", id, im->id);
	}
	(void) close(fd);
	if (k < 0)
		return k;
	for (size_t i = 0; i < im->n_tags; i++)
		tagged |= !strcmp(im->tags[i], AGENT_REPO ":" AGENT_TAG);
	if (!tagged && (k = docker_image_tag(&r->docker, id, AGENT_REPO, AGENT_TAG, &r->err)) < 0)
		return k;
	k = docker_image_id(&r->docker, AGENT_REPO ":" AGENT_TAG, have, sizeof have, &r->err);
	if (k < 0)
		return k;
	if (k == 0 || strcmp(have, id) != 0)
		return err_setx(&r->err, -EIO, BS_EXIT_INTERNAL, "after the load Docker names %s:%s %s, the archive's image is %s",
				AGENT_REPO, AGENT_TAG, k ? have : "nothing", id);
	k = snprintf(idtext, sizeof idtext, "%s\n%s\n", id, r->agent_url);
	if (k < 0 || (size_t) k >= sizeof idtext)
		return err_set(&r->err, -E2BIG, "agent URL too long");
	k = fileio_write_atomic(r->root_fd, PATH_AGENT_ID, idtext, strlen(idtext), 0600, &r->err);
	if (k == 0)
		run_done(r, "%s loaded as %s:%s", id, AGENT_REPO, AGENT_TAG);
	return k;
}

/* ---- --agent-image: Docker pulls the agent from a registry */

struct pull_progress {
	char ids[64][80];        /* the layers seen downloading */
	long long cur[64], total[64];
	size_t n;
	int decile;
};

static void pull_progress(void *ctx, const char *status, const char *id, long long cur, long long total)
{
	struct pull_progress *p = ctx;
	long long c = 0, t = 0;
	size_t i;

	if (!strncmp(status, "Pulling from", 12) || !strncmp(status, "Digest:", 7) || !strncmp(status, "Status:", 7)) {
		log_msg(LOG_INFO, "agent-image", "pull: %s", status);
		return;
	}
	if (strcmp(status, "Downloading") != 0 || total <= 0 || !id[0])
		return;
	for (i = 0; i < p->n && strcmp(p->ids[i], id) != 0; i++)
		;
	if (i == p->n) {
		if (p->n == sizeof p->ids / sizeof p->ids[0])
			return;
		(void) snprintf(p->ids[p->n++], sizeof p->ids[0], "%s", id);
	}
	p->cur[i] = cur;
	p->total[i] = total;
	for (i = 0; i < p->n; i++)
		c += p->cur[i], t += p->total[i];
	if (t > 0 && c * 10 / t > p->decile) {
		p->decile = (int) (c * 10 / t);
		log_msg(LOG_INFO, "agent-image", "pull: %d%% of the layers begun (%.1f of %.1f MiB)", p->decile * 10,
			(double) c / 1048576.0, (double) t / 1048576.0);
	}
}

/* The X-Registry-Auth value for the reference's registry from Docker's config.json: 1, 0 none. */
static int registry_auth(struct run *r, char *out, size_t cap)
{
	static char cfg[256 * 1024];
	size_t n = 0;
	int k = fileio_read_bounded(r->root_fd, PATH_DOCKER_CONFIG, cfg, sizeof cfg - 1, &n, &r->err);

	if (k == -ENOENT) {
		err_clear(&r->err);
		return 0;
	}
	if (k < 0)
		return err_class(&r->err, BS_EXIT_USAGE);
	k = docker_registry_auth(cfg, n, r->agent_ref.host, out, cap, &r->err);
	memset(cfg, 0, n);
	if (k < 0)
		return err_wrap(&r->err, "%s", PATH_DOCKER_CONFIG);
	return k;
}

static int pull(struct run *r)
{
	static struct pull_progress prog;
	static char auth[4096];
	const struct docker_ref *ref = &r->agent_ref;
	char refstr[400], id[80], have[80], digest[80], idtext[2048];
	long long t0 = clock_ms();
	int k, a;

	docker_ref_string(ref, refstr, sizeof refstr);
	a = registry_auth(r, auth, sizeof auth);
	if (a < 0)
		return a;
	memset(&prog, 0, sizeof prog);
	log_msg(LOG_INFO, "agent-image", "Docker pulls %s%s", refstr, a ? " (credentials from " PATH_DOCKER_CONFIG ")" : "");
	k = docker_image_pull(&r->docker, ref, a ? auth : NULL, pull_progress, &prog, &r->err);
	memset(auth, 0, sizeof auth);
	if (k < 0)
		return k;
	k = docker_image_id(&r->docker, refstr, id, sizeof id, &r->err);
	if (k == 0)
		return err_setx(&r->err, -EIO, BS_EXIT_TEMP, "Docker pulled %s but has no image under that name", refstr);
	if (k < 0)
		return k;
	k = docker_image_repo_digest(&r->docker, refstr, ref->name, digest, sizeof digest, &r->err);
	if (k < 0)
		return k;
	if (ref->digest[0] && (k == 0 || strcmp(digest, ref->digest) != 0))
		return err_setx(&r->err, -EPROTO, BS_EXIT_INTEGRITY, "Docker pulled %s, but its digest is %s, not the one pinned: not tagged",
				refstr, k ? digest : "(none reported)");
	if (k == 0)
		return err_setx(&r->err, -EPROTO, BS_EXIT_INTEGRITY, "Docker pulled %s but reports no digest for it: not tagged", refstr);
	if (!ref->digest[0])
		log_msg(LOG_WARNING, "agent-image", "%s is a tag: it resolved to %s@%s; pin that (--agent-image %s@%s) so every instance runs the same agent",
			refstr, ref->name, digest, ref->name, digest);
	k = docker_image_tag(&r->docker, id, AGENT_REPO, AGENT_TAG, &r->err);
	if (k == 0)
		k = docker_image_id(&r->docker, AGENT_REPO ":" AGENT_TAG, have, sizeof have, &r->err);
	if (k < 0)
		return k;
	if (k == 0 || strcmp(have, id) != 0)
		return err_setx(&r->err, -EIO, BS_EXIT_INTERNAL, "after the pull Docker names %s:%s %s, the pulled image is %s", AGENT_REPO,
				AGENT_TAG, k ? have : "nothing", id);
	k = snprintf(idtext, sizeof idtext, "%s\n%s\n%s@%s\n", id, r->agent_url, ref->name, digest);
	if (k < 0 || (size_t) k >= sizeof idtext)
		return err_set(&r->err, -E2BIG, "image reference too long");
	k = fileio_write_atomic(r->root_fd, PATH_AGENT_ID, idtext, strlen(idtext), 0600, &r->err);
	if (k == 0)
		run_done(r, "pulled %s (%s@%.19s...) as %s:%s (%lld ms)", refstr, ref->name, digest, AGENT_REPO, AGENT_TAG,
			 clock_ms() - t0);
	return k;
}

int agent_image_apply(struct run *r)
{
	char line[512], want[80];
	bool cached;
	int k;

	if (r->agent_image) {
		struct bs_err ignore;
		k = open_docker(r);
		if (k == 0)
			k = fileio_mkdir_p(r->root_fd, PATH_AGENT_CACHE_DIR, 0700, &r->err);
		if (k < 0)
			return k;
		(void) fileio_unlink(r->root_fd, PATH_AGENT_ID, &ignore); /* it will name what this pull brings */
		r->refreshed = true;
		return pull(r);
	}
	k = open_docker(r);
	if (k == 0)
		k = trust(r);
	if (k == 0)
		k = fileio_mkdir_p(r->root_fd, PATH_AGENT_CACHE_DIR, 0700, &r->err);
	if (k < 0)
		return k;
	/* A cache from the same source is reused, after it verifies again. */
	cached = !r->refresh && fileio_exists(r->root_fd, PATH_AGENT_TAR) > 0 && fileio_exists(r->root_fd, PATH_AGENT_SIG) > 0 &&
		 read_id(r, want, sizeof want);
	if (cached && verify_cache(r, line, sizeof line) < 0) {
		log_msg(LOG_WARNING, "agent-image", "cached '%s' refused (%s): downloading it again", PATH_AGENT_TAR, r->err.msg);
		err_clear(&r->err);
		cached = false;
	}
	if (!cached) {
		struct bs_err ignore;
		long long t0 = clock_ms();
		(void) fileio_unlink(r->root_fd, PATH_AGENT_ID, &ignore); /* the old id no longer describes the cache */
		k = download(r);
		if (k < 0)
			return k;
		log_msg(LOG_DEBUG, "agent-image", "downloaded and verified in %lld ms", clock_ms() - t0);
	}
	r->refreshed = true;
	k = load(r);
	if (k == 0 && cached)
		run_done(r, "from the verified cache, no download");
	return k;
}

/* ---- agent updates (exit 42)
 *
 * The agent, told by ECS to update, downloads the new agent's tarball into /var/cache/ecs
 * (checking only the SHA-256 that ECS's message gave), names it in desired-image and exits 42;
 * ecs-init loads that file as it is.  Here it is loaded only when it verifies against the
 * trust set with the signature of the agent the configured source publishes (the .asc of
 * ecs-agent-latest.tar, or of the pinned version or --agent-url): an update ECS sends is the
 * latest agent, so the signature Amazon publishes for it is that one.  A tampered, unsigned
 * or other update is refused and removed, and the agent restarts on its current image.  A
 * verified update becomes the cache (signature first, then the tarball by rename, as a
 * download does) and is inspected, loaded, tagged and recorded like one, so a later run
 * keeps it instead of loading the older cache again. */
#define UPDATE_SIG PATH_AGENT_CACHE_DIR "/ecs-agent-update.asc"

static bool update_name_ok(const char *n)
{
	size_t len = strlen(n);

	if (len < 5 || len > 128 || n[0] == '.' || strcmp(n + len - 4, ".tar") != 0 || !strncmp(n, "ecs-agent.tar", 13))
		return false;
	for (const char *c = n; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' ||
		      *c == '_'))
			return false;
	return true;
}

/* Remove what the agent left for the update (and our copy of its signature). */
static void update_forget(struct run *r, const char *path)
{
	struct bs_err ignore;

	if (path)
		(void) fileio_unlink(r->root_fd, path, &ignore);
	(void) fileio_unlink(r->root_fd, UPDATE_SIG, &ignore);
	(void) fileio_unlink(r->root_fd, PATH_AGENT_DESIRED, &ignore);
}

int agent_image_update(struct run *r)
{
	static char sig[SIG_MAX + 1];
	char text[256], path[300], line[512];
	const char *name;
	size_t n = 0, sig_len = 0;
	char *nl;
	int dfd, k;

	if (r->agent_image) { /* no signature to check it with: the registry's image is what runs */
		log_msg(LOG_WARNING, "agent", "the agent exited 42 (update), but with --agent-image %s updates are not loaded: "
			"the agent restarts on its image (pull a newer one with --agent-image)", r->agent_image);
		update_forget(r, NULL);
		return 0;
	}
	k = fileio_read_bounded(r->root_fd, PATH_AGENT_DESIRED, text, sizeof text - 1, &n, &r->err);
	if (k < 0) {
		log_msg(LOG_WARNING, "agent", "the agent exited 42 (update) but left no update to load: %s", r->err.msg);
		err_clear(&r->err);
		return 0;
	}
	text[n] = '\0';
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	name = strrchr(text, '/') ? strrchr(text, '/') + 1 : text;
	if (!nl || !update_name_ok(name)) {
		log_msg(LOG_WARNING, "agent", "update refused: '%s' does not name an update tarball in %s", PATH_AGENT_DESIRED,
			PATH_AGENT_CACHE_DIR);
		update_forget(r, NULL);
		return 0;
	}
	(void) snprintf(path, sizeof path, "%s/%s", PATH_AGENT_CACHE_DIR, name);
	k = trust(r);
	if (k == 0)
		k = fetch_sig(r, sig, &sig_len);
	if (k < 0) { /* no signature to check it with (S3 unreachable): keep it for the next exit 42 */
		log_msg(LOG_WARNING, "agent", "update %s not loaded: %s (retrying later may help)", path, r->err.msg);
		err_clear(&r->err);
		return 0;
	}
	k = fileio_write_atomic(r->root_fd, UPDATE_SIG, sig, sig_len, 0600, &r->err);
	if (k == 0)
		k = trust_verify_file(&r->keyring, r->root_fd, path, UPDATE_SIG, (unsigned) time(NULL), line, sizeof line, &r->err);
	if (k < 0) {
		log_msg(LOG_WARNING, "agent", "update %s refused: %s (checked with %s); the agent restarts on its current image", path,
			r->err.msg, r->agent_sig_url);
		err_clear(&r->err);
		update_forget(r, path);
		return 0;
	}
	log_msg(LOG_INFO, "agent", "update %s verified: %s", path, line);
	/* it becomes the cache: no .id (it names the old image), the signature, then the tarball */
	dfd = fileio_open(r->root_fd, PATH_AGENT_CACHE_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return err_set(&r->err, dfd, "open '%s': %s", PATH_AGENT_CACHE_DIR, strerror(-dfd));
	k = 0;
	if (unlinkat(dfd, "ecs-agent.tar.id", 0) < 0 && errno != ENOENT)
		k = -errno;
	if (k == 0 && unlinkat(dfd, "ecs-agent.tar", 0) < 0 && errno != ENOENT)
		k = -errno;
	if (k == 0 && renameat(dfd, "ecs-agent-update.asc", dfd, "ecs-agent.tar.asc") < 0)
		k = -errno;
	if (k == 0 && renameat(dfd, name, dfd, "ecs-agent.tar") < 0)
		k = -errno;
	if (k == 0 && fsync(dfd) < 0)
		k = -errno;
	(void) close(dfd);
	if (k < 0)
		return err_set(&r->err, k, "make the update the cache in '%s': %s", PATH_AGENT_CACHE_DIR, strerror(-k));
	update_forget(r, NULL);
	k = open_docker(r);
	if (k == 0)
		k = load(r);
	if (k < 0)
		return err_wrap(&r->err, "update");
	return 1;
}
