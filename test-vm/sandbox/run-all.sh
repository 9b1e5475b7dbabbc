#!/bin/bash
# test-vm/sandbox/run-all.sh BIN FAULT_BIN [BACKENDS]: every sandbox suite, under both
# iptables backends where it matters (or only those in BACKENDS, e.g. "nft"); one closing
# "N passed, N failed" line for all of them.  SUITES="a b" runs only those; SKIP_SUITES="c"
# leaves those out.
set -uo pipefail
BIN=${1:?BIN}; FBIN=${2:?FAULT_BIN}; ONLY=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "test-vm/sandbox needs root (namespaces, iptables)"; exit 1; }
pass=0 fail=0
# suite:backends (iptables matters to foundation, whose steps make the rules; network, fetch's
# suite, makes none and runs once, like the others)
for spec in foundation:nft,legacy network:nft image:nft agent:nft bake:nft userdata:nft amazon:nft crash:nft secrets:nft hostile:nft options:nft defects:nft realagent:nft agentenv:nft docker-new:nft update:nft partitions:nft dockerstep:nft registry:nft; do
	suite=${spec%%:*}
	[ -n "${SUITES:-}" ] && ! printf ' %s ' "$SUITES" | grep -q " $suite " && continue
	[ -n "${SKIP_SUITES:-}" ] && printf ' %s ' "$SKIP_SUITES" | grep -q " $suite " && continue
	for backend in $(echo "${spec#*:}" | tr , ' '); do
		[ -n "$ONLY" ] && [ "$backend" != "$ONLY" ] && continue
		s0=$(date +%s)
		out=$(bash "$HERE/$suite.sh" "$BIN" "$FBIN" "$backend" 2>&1); rc=$?
		printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
		echo "# time: $suite/$backend $(($(date +%s) - s0)) s"
		last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
		if [ -z "$last" ]; then fail=$((fail + 1)); echo "# $suite/$backend ended without a summary (rc $rc)"; continue; fi
		pass=$((pass + ${last%% passed*})); f=${last#*, }; fail=$((fail + ${f%% failed}))
		[ "$rc" = 0 ] || [ "${f%% failed}" != 0 ] || { fail=$((fail + 1)); echo "# $suite/$backend exited $rc"; }
	done
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
