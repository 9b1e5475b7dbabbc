#!/bin/bash
# test-vm/qemu/matrix.sh BIN FAULT_BIN [SUITE...]: `make test-vm`, the guests of the distribution
# matrix (guest.sh), default bookworm, trixie and sid, in the least time this 2-core machine
# allows under TCG:
#   - the images (build-image.sh) are built at the same time (build-images.sh);
#   - bookworm's guest runs alone (its figures are the README's, and its converged run is held
#     to 1 s, or to three times what the processes it starts took, on a slow day);
#   - the others run together (a boot keeps both cores busy, but much of a guest's test is
#     waiting on the agent and Docker): each with VM_SHARED=1 (its converged run held to 2 s,
#     or that).
# Each guest's output is printed when it is done, its lines prefixed with its suite; the last
# line sums up; exits non-zero when any guest failed.
set -uo pipefail
BIN=${1:?usage: matrix.sh BIN FAULT_BIN [SUITE...]}
FBIN=${2:?usage: matrix.sh BIN FAULT_BIN [SUITE...]}
shift 2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -gt 0 ] || set -- bookworm trixie sid
LOGS=$(mktemp -d /tmp/ecs-vm-matrix.XXXXXX)
trap 'rm -rf "$LOGS"' EXIT
failed=()
t0=$SECONDS
date +"# %T guest images: $*"
bash "$HERE/build-images.sh" "$@" || { echo "not ok - guest images"; echo "the guest images did not build"; exit 1; }
echo "# guest images: $((SECONDS - t0)) s"
run_guest() { # SUITE: guest.sh into $LOGS/SUITE, its exit code into $LOGS/SUITE.rc
	SUITE=$1 bash "$HERE/guest.sh" "$BIN" "$FBIN" > "$LOGS/$1" 2>&1
	echo $? > "$LOGS/$1.rc"
}
show() { # SUITE
	sed "s/^/[$1] /" "$LOGS/$1"
	[ "$(cat "$LOGS/$1.rc")" = 0 ] || failed+=("$1")
}
rest=()
for s in "$@"; do
	if [ "$s" = bookworm ]; then
		date +"# %T qemu guest: Debian bookworm (alone)"
		s0=$SECONDS; run_guest bookworm; show bookworm; echo "# guest bookworm: $((SECONDS - s0)) s"
	else
		rest+=("$s")
	fi
done
if [ ${#rest[@]} = 1 ]; then
	date +"# %T qemu guest: Debian ${rest[0]}"
	s0=$SECONDS; run_guest "${rest[0]}"; show "${rest[0]}"; echo "# guest ${rest[0]}: $((SECONDS - s0)) s"
elif [ ${#rest[@]} -gt 1 ]; then
	date +"# %T qemu guests together: ${rest[*]}"
	s0=$SECONDS pids=()
	for s in "${rest[@]}"; do VM_SHARED=1 run_guest "$s" & pids+=("$!"); done
	wait "${pids[@]}"
	for s in "${rest[@]}"; do show "$s"; done
	echo "# guests ${rest[*]}: $((SECONDS - s0)) s"
fi
echo "# qemu guests: $((SECONDS - t0)) s in all"
if [ ${#failed[@]} = 0 ]; then echo "guests passed: $*"; else echo "guests failed: ${failed[*]}"; exit 1; fi
