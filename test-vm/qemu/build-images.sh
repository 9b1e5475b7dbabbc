#!/bin/bash
# test-vm/qemu/build-images.sh SUITE...: the guest images of several suites (build-image.sh),
# built at the same time: debootstrap waits on the archive and on one core's dpkg, so two or
# three builds together take little longer than one.  Each build's output is printed when all
# are done; exits non-zero if any failed.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VMCACHE=${VMCACHE:-$HERE/cache}
mkdir -p "$VMCACHE"
pids=()
for s in "$@"; do
	bash "$HERE/build-image.sh" "$VMCACHE/$s" "$s" > "$VMCACHE/$s.build.log" 2>&1 &
	pids+=("$!")
done
rc=0 i=0
for s in "$@"; do
	wait "${pids[$i]}" || rc=1
	sed "s/^/[$s] /" "$VMCACHE/$s.build.log"
	i=$((i + 1))
done
exit $rc
