#!/bin/bash
# test-vm/sandbox/userdata.sh BIN FAULT_BIN BACKEND
# docs/examples/user-data.sh, unchanged but for its parameters, as an instance would run it:
# the binary from the (fake) S3 bucket with its sha256 checked, then `run --wait`; its retry
# on a failed download and on exit 111; its refusal of a binary with the wrong sha256.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=()
sbx_suite "user data" "$@"
EXAMPLE=$(cd "$HERE/../../docs/examples" && pwd)/user-data.sh
mkdir -p "$W/s3/bootstrap-bucket"
cp "$BIN" "$W/s3/bootstrap-bucket/ecs-bootstrap"
SHA=$(sha256sum < "$BIN" | cut -d' ' -f1)
URL=https://s3.us-east-1.amazonaws.com/bootstrap-bucket/ecs-bootstrap
ud() { local sha=$1; shift; IN env BS_URL="$URL" BS_SHA256="$sha" CLUSTER=ud-cluster BS_PAUSE=1 ECS_BOOTSTRAP_KEYRING="$AGENT_KEYRING" "$@" sh "$EXAMPLE" >"$W/out" 2>&1; echo $? >"$W/rc"; }

echo '{"s3_slowdown": 2}' > "$W/faults.json"
ud "$SHA"
t "user data: exit 0" rc 0
t "user data: S3 refused the binary twice, the snippet retried" bash -c "[ \$(grep -c 'fault:slowdown' $W/s3.log) -ge 2 ]"
t "user data: the binary is installed at /usr/local/bin/ecs-bootstrap" bash -c "cmp $BIN <(nsenter -t $HOLDER -m -n cat /usr/local/bin/ecs-bootstrap)"
t "user data: the agent registered in the cluster" has "registered: cluster ud-cluster"
ud "$SHA"
t "user data again (a reboot with per-boot user data): every step skipped" bash -c "[ \$(cat $W/rc) = 0 ] && [ \$(grep -c 'already converged' $W/out) = 8 ]"
# S3 closes the connection mid-body of the agent's signature longer than ecs-bootstrap retries
# (5 attempts): it exits 111, and the snippet runs it again, which gets through (the qemu guest
# once did this with connections refused)
IN sh -c 'rm -rf /var/cache/ecs/ecs-agent.tar*' && docker_api -X DELETE "http://d/images/amazon/amazon-ecs-agent:latest?force=1" >/dev/null
echo '{"s3_close_mid": 7, "only": "ecs-agent-latest.tar.asc"}' > "$W/faults.json"
ud "$SHA" ECS_BOOTSTRAP_REFRESH=1
retried_111() { rc 0 && has "user-data: temporary failure (try 1), retrying" && has "registered: cluster ud-cluster"; }
t "S3 failing longer than ecs-bootstrap retries: exit 111, the snippet runs it again, registered" retried_111
echo '{}' > "$W/faults.json"
ud 0000000000000000000000000000000000000000000000000000000000000000 BS_TRIES=2
t "wrong sha256: the snippet refuses the binary and fails" bash -c "[ \$(cat $W/rc) = 1 ] && grep -q 'expected sha256' $W/out"
t "... and leaves no download behind" bash -c "! nsenter -t $HOLDER -m -n ls /usr/local/bin/ecs-bootstrap.download 2>/dev/null"
t "the sandbox's /usr/local/bin is its own (the machine's has no ecs-bootstrap written by the suite)" bash -c "[ -f $W/usrlocalbin.upper/ecs-bootstrap ] && [ ! -e /usr/local/bin/ecs-bootstrap.download ]"
# Graviton: the snippet takes BS_URL-arm64 with BS_SHA256_ARM64 where uname -m says aarch64
# (a uname that says so, first in PATH; the arm64 binary, make arm64, cannot run here, and the
# snippet stops at its exit code)
A64=$(dirname "$BIN")/ecs-bootstrap-arm64
if [ -f "$A64" ]; then
	cp "$A64" "$W/s3/bootstrap-bucket/ecs-bootstrap-arm64"
	mkdir -p "$W/fake-uname" && printf '#!/bin/sh\n[ "$1" = -m ] && echo aarch64 || exec /bin/uname "$@"\n' > "$W/fake-uname/uname" && chmod 755 "$W/fake-uname/uname"
	ud "$SHA" BS_SHA256_ARM64="$(sha256sum < "$A64" | cut -d' ' -f1)" BS_TRIES=1 PATH="$W/fake-uname:/usr/sbin:/usr/bin:/sbin:/bin"
	t "on aarch64 the snippet downloads ecs-bootstrap-arm64, checked against BS_SHA256_ARM64, and runs it" \
		bash -c "grep -q '\"path\": \"/bootstrap-bucket/ecs-bootstrap-arm64\", \"status\": 200' $W/s3.log && cmp $A64 <(nsenter -t $HOLDER -m -n cat /usr/local/bin/ecs-bootstrap) || { cat $W/out; false; }"
else
	echo "# no $A64 (make arm64): the snippet's aarch64 choice is not tested"
fi
t_summary
