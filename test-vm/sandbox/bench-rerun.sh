#!/bin/bash
# test-vm/sandbox/bench-rerun.sh BIN [N]: wall time of the first run (the agent tarball
# already in the fake S3: download, verify, load, container start) and of a converged re-run
# (every step skipped), N times (default 10), in the sandbox under each iptables backend.
# Prints the figures; asserts nothing.
set -uo pipefail
BIN=${1:?BIN}; N=${2:-10}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
for backend in nft legacy; do
	SBX_ENV=()
	sbx_up "$backend" >/dev/null && sbx_aws_up && sbx_agent_up || exit 1
	s=$(date +%s%N)
	IN "$BIN" run --cluster bench >/dev/null 2>&1 || { echo "first run failed"; exit 1; }
	echo "first run, iptables $backend: $(( ($(date +%s%N) - s) / 1000000 )) ms"
	times=()
	for _ in $(seq "$N"); do
		s=$(date +%s%N); IN "$BIN" run --cluster bench >/dev/null 2>&1; e=$(date +%s%N)
		times+=($(( (e - s) / 1000 )))
	done
	sorted=$(printf '%s\n' "${times[@]}" | sort -n)
	med=$(echo "$sorted" | awk -v n="$N" 'NR == int((n + 1) / 2) { print }')
	echo "converged re-run, iptables $backend, $N runs: median $((med / 1000)).$(( (med % 1000) / 100 )) ms," \
		"min $(( $(echo "$sorted" | head -1) / 1000 )) ms, max $(( $(echo "$sorted" | tail -1) / 1000 )) ms"
	sbx_down
done
