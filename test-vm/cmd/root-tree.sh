#!/bin/bash
# test-vm/cmd/root-tree.sh BIN: --root DIR runs without root, where the tree is the user's.
# Run as root, it drops to nobody (setpriv); run as anyone else, it runs as that user.
# IMDS is never asked (AWS_EC2_METADATA_DISABLED, --region): nothing leaves this machine.
set -u
BIN=${1:?usage: root-tree.sh BIN}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
. "$(dirname "$0")/../tap.sh"
export AWS_EC2_METADATA_DISABLED=true
T=$W/tree
mkdir -p "$T/usr/lib" "$T/proc/sys/net/ipv4/conf/all" "$T/var/lib/ecs-bootstrap/state"
printf 'ID=debian\nVERSION_ID=12\n' >"$T/usr/lib/os-release"
echo 0 >"$T/proc/sys/net/ipv4/conf/all/route_localnet"
echo 1 >"$T/var/lib/ecs-bootstrap/state/sysctl"
# the binary from a place every user can reach (the clone may sit under a private home)
cp "$BIN" "$W/ecs-bootstrap" && chmod 755 "$W" "$W/ecs-bootstrap" && BIN=$W/ecs-bootstrap
if [ "$(id -u)" = 0 ]; then
	chown -R 65534:65534 "$W"
	as() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
	as() { "$@"; }
fi
run() { as "$BIN" "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
rc() { [ "$(cat "$W/rc")" = "$1" ]; }
has() { grep -q -- "$1" "$W/out"; }

run reset sysctl --root "$T"
t "reset --root: exit 0 without root" rc 0
t "reset --root: the checkpoint is forgotten" test ! -e "$T/var/lib/ecs-bootstrap/state/sysctl"
run run --root "$T" --region us-west-2 --cluster c
t "run --root: not refused for want of root" bash -c "! grep -q 'must run as root' '$W/out'"
t "run --root: the sysctl step converged inside the tree" grep -q '^1$' "$T/proc/sys/net/ipv4/conf/all/route_localnet"
t "run --root: a step that acts outside the tree fails and says what (exit $(cat "$W/rc"))" \
	bash -c "! grep -q '^0$' '$W/rc' && grep -q 'fatal:' '$W/out'"
run run --region us-west-2 --cluster c
t "run on the machine's /: refused without root (exit 100)" rc 100
t "run on the machine's /: says so" has "must run as root"
run run --root / --region us-west-2
t "run --root /: refused without root" has "must run as root"
t_summary
