#!/bin/sh
# scripts/repro-check.sh: `make release` is reproducible.  Builds the committed tree (HEAD)
# twice, at different paths, with different umask, time zone and locale, a second apart, and
# compares the SHA256SUMS (both architectures' binaries and tarballs).  The first build is
# this tree's own `make release` when the tree is HEAD with no change and no untracked file
# (CI's fresh clone: the binaries make check built are the ones compared), else a clone; the
# second is always a clone built from scratch (but for the aarch64 musl, an input like the
# machine's own musl-dev, copied when this tree has built it).  The pinned third-party sources are copied from
# this tree's third_party/cache (fetch them first: make tp).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$root/third_party/cache/.fetched" ] || { echo "repro-check: run 'make tp' first" >&2; exit 1; }
t=$(mktemp -d /tmp/ecs-repro.XXXXXX)
trap 'rm -rf "$t"' EXIT
build() { # DIR UMASK TZ LANG
	git clone -q --no-hardlinks "$root" "$1"
	cp -a "$root/third_party/cache" "$1/third_party/cache"
	for f in .fetched .fetched-musl .fetched-mbedtls; do [ ! -f "$1/third_party/cache/$f" ] || touch "$1/third_party/cache/$f"; done
	# the cross musl (an input, as the machine's musl-dev is for the x86-64 binary), when built
	if [ -f "$root/build/arm64/musl/.built" ]; then
		mkdir -p "$1/build/arm64" && cp -a "$root/build/arm64/musl" "$1/build/arm64/musl" && touch "$1/build/arm64/musl/.built"
	fi
	(cd "$1" && umask "$2" && TZ=$3 LC_ALL=$4 make -s -j2 release > "$1.log" 2>&1) ||
		{ echo "repro-check: make release failed in $1:"; tail -20 "$1.log"; exit 1; }
}
s=$(date +%s)
if [ -z "$(git -C "$root" status --porcelain)" ]; then
	a=$root
	(cd "$root" && umask 022 && TZ=UTC LC_ALL=C make -s -j2 release > "$t/a.log" 2>&1) ||
		{ echo "repro-check: make release failed in $root:"; tail -20 "$t/a.log"; exit 1; }
else
	a=$t/a
	build "$a" 022 UTC C
fi
sleep 1
build "$t/second/clone/deeper" 002 Asia/Kolkata C.UTF-8
if cmp -s "$a/build/release/SHA256SUMS" "$t/second/clone/deeper/build/release/SHA256SUMS"; then
	echo "ok - two builds of $(git -C "$root" rev-parse --short=12 HEAD) are identical ($(($(date +%s) - s)) s; the first: $([ "$a" = "$root" ] && echo this tree || echo a clone)):"
	sed 's/^/    /' "$a/build/release/SHA256SUMS"
	echo "1 passed, 0 failed"
else
	echo "not ok - two builds differ:"
	diff "$a/build/release/SHA256SUMS" "$t/second/clone/deeper/build/release/SHA256SUMS"
	echo "0 passed, 1 failed"
	exit 1
fi
