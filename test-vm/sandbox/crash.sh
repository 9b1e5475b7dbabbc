#!/bin/bash
# test-vm/sandbox/crash.sh BIN FAULT_BIN BACKEND
# Crash consistency: SIGKILL at every step boundary and inside every apply, then a re-run of
# the release binary, compared with an uninterrupted run.  For each point: the fault build
# (crash points compiled in, src/lib/fault.h) is killed there (exit 137, or the point was never
# reached: a failure); the release binary then converges (exit 0); and the machine equals the
# reference: every file byte-identical (ecs.config, sysctl.d, the verified cache; checkpoints
# by name, they hold times), each of our rules exactly once, the image in Docker with the
# manifest's id, the agent container running, no .partial or .tmp left anywhere.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)
SBX_AGENT=standin SBX_STANDIN_WHY="35 kills of ecs-bootstrap, each on an empty machine: what is compared is ecs-bootstrap's state, the agent only has to be a running container; the real agent's 82 MiB would be downloaded, verified and loaded 36 times (91 s instead of 40 s, twice in make check)"
sbx_suite "crash at every point" "$@"
ARGS=(run --cluster crash-cluster --set ECS_RESERVED_MEMORY=48)

# A fresh instance: none of our files, rules, image or container.
fresh() {
	IN sh -c 'rm -rf /etc/ecs /etc/ecs-bootstrap /etc/sysctl.d/80-ecs-bootstrap.conf /var/lib/ecs-bootstrap /var/cache/ecs /var/lib/ecs /var/log/ecs
		echo 0 > /proc/sys/net/ipv4/conf/all/route_localnet
		iptables -w -t nat -F; iptables -w -t filter -F INPUT; ip6tables -w -t filter -F INPUT 2>/dev/null; true'
	docker_api -X DELETE "http://d/containers/ecs-agent?force=1" > /dev/null
	docker_api -X DELETE "http://d/images/amazon/amazon-ecs-agent:latest?force=1" > /dev/null
}
# What must be equal after any crash and re-run.
snapshot() {
	(cd "$W" && find etc.upper/ecs etc.upper/ecs-bootstrap etc.upper/sysctl.d varcache.upper/ecs -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum)
	echo "checkpoints: $(ls "$W/varlib.upper/ecs-bootstrap/state" 2>/dev/null | tr '\n' ' ')"
	IN iptables-save | grep -E '169\.254\.170\.2|51678|127\.0\.0\.0/8' | sort | uniq -c
	IN ip6tables-save -t filter 2>/dev/null | grep -E '51678' | sort | uniq -c
	echo "route_localnet=$(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)"
	echo "image=$(image_id_of amazon/amazon-ecs-agent:latest)"
	echo "agent running=$(docker_api http://d/containers/ecs-agent/json | python3 -c 'import json,sys; print(json.load(sys.stdin)["State"]["Running"])' 2>/dev/null)"
}
leftovers() { (cd "$W" && find etc.upper varlib.upper varcache.upper \( -name '*.partial' -o -name '*.tmp*' \) -print); }

fresh
IN "$BIN" "${ARGS[@]}" > "$W/out" 2>&1
t "reference: an uninterrupted run exits 0" grep -q 'converged: 10 steps' "$W/out"
snapshot > "$W/reference"
t "reference: the image is the manifest's" grep -qx "image=$AGENT_ID" "$W/reference"

points=()
for s in sysctl nat ecs-config agent-image options host-dirs service; do
	points+=("step-begin:$s" "step-applied:$s" "step-done:$s")
done
points+=("step-begin:docker") # Docker answers in the sandbox: the step has nothing to apply
points+=(fileio-mid-write:/etc/ecs/ecs.config fileio-before-fsync:/etc/ecs/ecs.config
	fileio-before-rename:/etc/sysctl.d/80-ecs-bootstrap.conf fileio-mid-write:/var/lib/ecs-bootstrap/state/nat
	fileio-before-rename:/var/lib/ecs-bootstrap/state/agent-image fileio-before-rename:/etc/ecs-bootstrap/keyring-1.gpg
	fileio-before-rename:/etc/ecs-bootstrap/options nat-between-inserts nat-between-appends
	agent-image-mid-download agent-image-after-download agent-image-before-rename http-upload-mid agent-image-after-load)
passed=0
for p in "${points[@]}"; do
	fresh
	IN env BS_FAULT_POINT="$p" "$FBIN" "${ARGS[@]}" > "$W/crash.out" 2>&1; crc=$?
	IN "$BIN" "${ARGS[@]}" > "$W/out" 2>&1; rrc=$?
	snapshot > "$W/after"
	left=$(leftovers)
	check() {
		[ "$crc" = 137 ] || { echo "the crash point was not reached (exit $crc)"; tail -3 "$W/crash.out"; return 1; }
		[ "$rrc" = 0 ] || { echo "re-run exit $rrc"; tail -5 "$W/out"; return 1; }
		diff "$W/reference" "$W/after" || return 1
		[ -z "$left" ] || { echo "left behind: $left"; return 1; }
	}
	t "SIGKILL at $p: re-run converges to the uninterrupted state" check && passed=$((passed + 1))
done
echo "# crash points: ${#points[@]}, passed: $passed"
t_summary
