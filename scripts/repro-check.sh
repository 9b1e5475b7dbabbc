#!/bin/sh
# scripts/repro-check.sh: `make release` is reproducible.  Builds the committed tree (HEAD)
# twice from scratch, in two clones at different paths, with different umask, time zone and
# locale, a second apart, and compares the SHA256SUMS.  The pinned third-party sources are
# copied from this tree's third_party/cache (fetch them first: make tp).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$root/third_party/cache/.fetched" ] || { echo "repro-check: run 'make tp' first" >&2; exit 1; }
t=$(mktemp -d /tmp/ecs-repro.XXXXXX)
trap 'rm -rf "$t"' EXIT
build() { # DIR UMASK TZ LANG
	git clone -q --no-hardlinks "$root" "$1"
	cp -a "$root/third_party/cache" "$1/third_party/cache"
	touch "$1/third_party/cache/.fetched"
	(cd "$1" && umask "$2" && TZ=$3 LC_ALL=$4 make -s -j2 release > "$1.log" 2>&1) ||
		{ echo "repro-check: make release failed in $1:"; tail -20 "$1.log"; exit 1; }
}
s=$(date +%s)
build "$t/a" 022 UTC C
sleep 1
build "$t/second/clone/deeper" 002 Asia/Kolkata C.UTF-8
if cmp -s "$t/a/build/release/SHA256SUMS" "$t/second/clone/deeper/build/release/SHA256SUMS"; then
	echo "ok - two builds of $(git -C "$root" rev-parse --short=12 HEAD) are identical ($(($(date +%s) - s)) s):"
	sed 's/^/    /' "$t/a/build/release/SHA256SUMS"
	echo "1 passed, 0 failed"
else
	echo "not ok - two builds differ:"
	diff "$t/a/build/release/SHA256SUMS" "$t/second/clone/deeper/build/release/SHA256SUMS"
	echo "0 passed, 1 failed"
	exit 1
fi
