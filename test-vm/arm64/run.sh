#!/bin/bash
# test-vm/arm64/run.sh BIN TESTDIR FAULT_BIN: the aarch64 build (make arm64) under qemu
# user-mode emulation (qemu-aarch64-static; its default CPU has the ARMv8 SHA-256 instructions,
# so the accelerated path is the one tested, against the portable one, by test_sha256):
#   - it is a static aarch64 executable;
#   - every unit test in TESTDIR (the same sources, cross-compiled);
#   - the command tests: verify with real gpg's signatures, image inspect;
#   - the sandbox suites foundation (the steps, checkpoints, the lock, a real dockerd and the
#     real agent) and network (fetch: TLS, S3 SigV4, proxies, retries, a hostile server),
#     iptables nf_tables, as root (skipped with a line saying so otherwise).
# FAULT_BIN is the x86-64 fault build foundation's crash checks kill: what they check is the
# state left on disk, which no architecture changes.
# Prints TAP and a closing "N passed, N failed".
set -uo pipefail
BIN=${1:?usage: run.sh BIN TESTDIR FAULT_BIN}
TESTDIR=${2:?usage: run.sh BIN TESTDIR FAULT_BIN}
FBIN=${3:?usage: run.sh BIN TESTDIR FAULT_BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QEMU=$(command -v qemu-aarch64-static) || { echo "not ok 1 - qemu-aarch64-static (qemu-user-static) is not installed"; echo "0 passed, 1 failed"; exit 1; }
W=$(mktemp -d /tmp/ecs-arm64.XXXXXX) && chmod 755 "$W" # foundation runs the wrapper as nobody too
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
count() { # the output of a test runner: add its closing line
	local last
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -1)
	if [ -z "$last" ]; then fail=$((fail + 1)); echo "# $2 ended without a summary"; return; fi
	pass=$((pass + ${last%% passed*})); local f=${last#*, }; fail=$((fail + ${f%% failed}))
}
. "$ROOT/test-vm/tap.sh"

t "the arm64 binary is a static aarch64 executable" bash -c "file -L '$BIN' | grep -q 'ARM aarch64.*statically linked'"
# the binary as the tests call it: through qemu (the test scripts take a command path)
printf '#!/bin/sh\nexec %s %s "$@"\n' "$QEMU" "$BIN" > "$W/ecs-bootstrap" && chmod +x "$W/ecs-bootstrap"
t "it runs: --version under qemu-aarch64" bash -c "'$W/ecs-bootstrap' --version | grep -q '^ecs-bootstrap '"
t_summary > "$W/own.out"; count "$W/own.out" "arm64"; grep -v '^[0-9]* passed' "$W/own.out"

s0=$SECONDS
RUNNER=$QEMU BS_BIN=$W/ecs-bootstrap sh "$ROOT/scripts/run-tests.sh" "$TESTDIR"/test_* > "$W/unit.out" 2>&1
cat "$W/unit.out"; count "$W/unit.out" "unit tests"
echo "# time: arm64 unit tests $((SECONDS - s0)) s"
if grep -q '^# ARMv8 SHA-256 available: yes' "$W/unit.out"; then
	pass=$((pass + 1)); echo "ok - test_sha256 ran the ARMv8 SHA-256 instructions (checked against the portable code)"
else
	fail=$((fail + 1)); echo "not ok - test_sha256 ran the ARMv8 SHA-256 instructions (the CPU model lacks them?)"
fi

for s in "test-vm/pgp/gpg-cases.sh" "test-vm/image/inspect-cases.sh"; do
	s0=$SECONDS
	bash "$ROOT/$s" "$W/ecs-bootstrap" > "$W/cmd.out" 2>&1
	cat "$W/cmd.out"; count "$W/cmd.out" "$s"
	echo "# time: arm64 $s $((SECONDS - s0)) s"
done

if [ "$(id -u)" = 0 ]; then
	SBX_ARM64=1 SUITES="foundation network" bash "$ROOT/test-vm/sandbox/run-all.sh" "$W/ecs-bootstrap" "$FBIN" nft > "$W/sbx.out" 2>&1
	cat "$W/sbx.out"; count "$W/sbx.out" "sandbox"
else
	echo "# not root: the sandbox suites are skipped"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
