#!/bin/bash
# scripts/dockerfile-check.sh: Dockerfile.build builds the same bytes as `make release`.
# No container registry is reachable here, so its instructions are carried out by hand in a
# bookworm root made with debootstrap (the base image's distribution; cached in
# build/dockerfile-root, rebuilt when Dockerfile.build changes): COPY is a clone of HEAD (with
# .git, as a build context would carry), each RUN runs in that root (a private mount namespace
# with /proc and /dev), ARG SOURCE_DATE_EPOCH gets the commit's time.  Then `make release` runs
# natively in another clone of HEAD and the two SHA256SUMS are compared.  As root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
R=$root/build/dockerfile-root
want=$(sha256sum "$root/Dockerfile.build" | cut -d' ' -f1)
epoch=$(git -C "$root" log -1 --format=%ct)
t=$(mktemp -d /tmp/ecs-dockerfile.XXXXXX)
trap 'rm -rf "$t"' EXIT
MIRROR=${DEBIAN_MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
[ -n "$MIRROR" ] || MIRROR=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)

in_root() { # CMD: run CMD with sh in the root, env as docker gives it
	unshare -m --propagation private sh -c '
		mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
		exec chroot "$1" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			SOURCE_DATE_EPOCH="$2" sh -c "cd /src 2>/dev/null || true; $3"' sh "$R" "$epoch" "$1"
}

runs() { # "pre|post<TAB>command" for each RUN (continuations joined), before or after COPY
	awk '{ line = line $0 } /\\$/ { sub(/\\$/, " ", line); next }
		{ if (line ~ /^COPY /) post = 1; else if (line ~ /^RUN /) { sub(/^RUN /, "", line); print (post ? "post" : "pre") "\t" line }; line = "" }' \
		"$root/Dockerfile.build"
}

if [ "$(cat "$R.recipe" 2>/dev/null)" != "$want" ]; then
	rm -rf "$R" "$R.recipe"
	echo "dockerfile-check: FROM debian:bookworm -> debootstrap (minbase)"
	debootstrap --variant=minbase bookworm "$R" "$MIRROR" > "$t/debootstrap.log" 2>&1 ||
		{ tail -20 "$t/debootstrap.log"; exit 1; }
	cp /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
	# RUN lines before COPY: the toolchain layer (cached with the root).
	while IFS=$'\t' read -r phase cmd; do
		[ "$phase" = pre ] || continue
		echo "dockerfile-check: RUN ${cmd:0:70}..."
		in_root "$cmd" > "$t/run.log" 2>&1 || { tail -20 "$t/run.log"; exit 1; }
	done < <(runs)
	echo "$want" > "$R.recipe"
fi
# COPY . /src, then the RUN lines after it (the build).
rm -rf "$R/src"
git clone -q "$root" "$R/src"
while IFS=$'\t' read -r phase cmd; do
	[ "$phase" = post ] || continue
	cmd=${cmd//'${SOURCE_DATE_EPOCH:+SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH}'/SOURCE_DATE_EPOCH=$epoch}
	echo "dockerfile-check: RUN $cmd"
	in_root "$cmd" > "$t/build.log" 2>&1 || { tail -20 "$t/build.log"; exit 1; }
done < <(runs)
# The native build of the same commit.
git clone -q "$root" "$t/native"
(cd "$t/native" && make -s tp > /dev/null && make -s release SOURCE_DATE_EPOCH="$epoch" > "$t/native.log" 2>&1) ||
	{ tail -20 "$t/native.log"; exit 1; }
if cmp -s "$R/src/build/release/SHA256SUMS" "$t/native/build/release/SHA256SUMS"; then
	echo "ok - Dockerfile.build and make release give the same bytes:"
	sed 's/^/    /' "$t/native/build/release/SHA256SUMS"
	echo "1 passed, 0 failed"
else
	echo "not ok - Dockerfile.build and make release differ:"
	diff "$R/src/build/release/SHA256SUMS" "$t/native/build/release/SHA256SUMS" || true
	echo "0 passed, 1 failed"
	exit 1
fi
