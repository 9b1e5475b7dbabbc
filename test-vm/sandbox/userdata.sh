#!/bin/bash
# test-vm/sandbox/userdata.sh BIN FAULT_BIN BACKEND
# docs/examples/user-data.sh, unchanged but for its parameters, as an instance would run it:
# the binary from the (fake) S3 bucket with its sha256 checked, then `run --wait`; its retry
# on a failed download; its refusal of a binary with the wrong sha256.
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
t "user data again (a reboot with per-boot user data): every step skipped" bash -c "[ \$(cat $W/rc) = 0 ] && [ \$(grep -c 'already converged' $W/out) = 7 ]"
ud 0000000000000000000000000000000000000000000000000000000000000000 BS_TRIES=2
t "wrong sha256: the snippet refuses the binary and fails" bash -c "[ \$(cat $W/rc) = 1 ] && grep -q 'expected sha256' $W/out"
t_summary
