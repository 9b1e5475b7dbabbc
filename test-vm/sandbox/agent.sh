#!/bin/bash
# test-vm/sandbox/agent.sh BIN FAULT_BIN BACKEND
# `ecs-bootstrap agent` (what ecs.service runs) with a real dockerd and the real agent (and its
# fake ECS): container options, the introspection endpoint, a crash (SIGKILL: exit 137) ->
# restart, a changed ecs.config -> a new container, a changed cluster -> the agent's data
# cleared and a new registration there (not the real agent's exit 5), SIGTERM, never two agent
# containers.  Then the stand-in, for what the real agent cannot be made to do here: exit 42
# with no update left (the real agent's updates: update.sh), exit 5 on demand (the terminal
# error ends `agent` with 5) and an agent that never registers.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)

SBX_AGENT=real  # the exits it checks (137, 5) are the real agent's own
sbx_suite "agent supervision" "$@"
IN "$BIN" run --cluster sup-cluster --set ECS_RESERVED_MEMORY=64 >"$W/run.out" 2>&1
t "run converges first (image loaded, host dirs made)" grep -q 'converged: ' "$W/run.out"

metadata() { IN curl -s -m 2 http://127.0.0.1:51678/v1/metadata; }
wait_meta() { for _ in $(seq 100); do metadata | grep -q ContainerInstanceArn && return 0; sleep 0.1; done; return 1; }
ctr() { docker_api "http://d/containers/ecs-agent/json"; }
field() { ctr | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
agent_containers() { docker_api "http://d/containers/json?all=1" | python3 -c 'import json,sys; print(sum(1 for c in json.load(sys.stdin) if "/ecs-agent" in c["Names"]))'; }
started_count() { grep -c 'container ecs-agent started' "$W/agent.log" 2>/dev/null || true; }
# start `agent` and wait until it has replaced any earlier container with its own
start_agent() {
	local before; before=$(started_count)
	IN_BG "$BIN" agent >>"$W/agent.log" 2>&1; AGENT=$BG_PID
	for _ in $(seq 100); do [ "$(started_count)" -gt "${before:-0}" ] && return 0; sleep 0.1; done
}
ask_exit() { IN sh -c "echo $1 > /var/lib/ecs/data/standin-exit"; }

start_agent
t "agent: the stand-in answers /v1/metadata on 127.0.0.1:51678" wait_meta
arn_names_cluster() { metadata | grep -q 'container-instance/sup-cluster/'; }
t "agent: the ARN names the cluster from ecs.config" arn_names_cluster
t "container: host network" [ "$(field 'd["HostConfig"]["NetworkMode"]')" = host ]
binds_has() { local b; b=$(field '"\n".join(d["HostConfig"]["Binds"])'); for x in "$@"; do grep -qx -- "$x" <<<"$b" || { echo "no bind $x in:"; echo "$b"; return 1; }; done; }
t "container: the installation document's binds" binds_has /var/run:/var/run /var/log/ecs:/log /var/lib/ecs/data:/data /etc/ecs:/etc/ecs
t "container: ecs-init's binds (host iptables through /host/sbin, libraries, cgroups)" binds_has /var/cache/ecs:/var/cache/ecs /sys/fs/cgroup:/sys/fs/cgroup /proc:/host/proc:ro /sbin:/host/sbin:ro /usr/lib:/usr/lib:ro /usr/sbin:/usr/sbin:ro /etc/alternatives:/etc/alternatives:ro
sources_exist() {
	local b src; b=$(field '"\n".join(d["HostConfig"]["Binds"])')
	while read -r x; do src=${x%%:*}; IN test -e "$src" || { echo "bind source $src does not exist"; return 1; }; done <<<"$b"
}
t "container: every bind's source exists (optional ones are left out when missing)" sources_exist
t "container: NET_ADMIN and SYS_ADMIN, init, host user namespace" [ "$(field '(",".join(d["HostConfig"]["CapAdd"]), d["HostConfig"]["Init"], d["HostConfig"]["UsernsMode"])')" = "('NET_ADMIN,SYS_ADMIN', True, 'host')" ]
t "container: json-file logs, 16m x 4" [ "$(field 'd["HostConfig"]["LogConfig"]')" = "{'Type': 'json-file', 'Config': {'max-file': '4', 'max-size': '16m'}}" ]
env_has() { local env; env=$(field '"\n".join(d["Config"]["Env"])'); grep -qx -- "$1" <<<"$env"; }
t "container: ecs-init's defaults in the environment" env_has ECS_UPDATES_ENABLED=true
t "container: ECS_DETAILED_OS_FAMILY from os-release" env_has ECS_DETAILED_OS_FAMILY=debian_12
t "container: ecs.config's entries in the environment" env_has ECS_RESERVED_MEMORY=64
keys_once() { # a default ecs.config sets (ECS_ENABLE_TASK_ENI, lib.sh use_real) is given once, ecs.config's value
	ctr | python3 -c '
import collections, json, sys
env = json.load(sys.stdin)["Config"]["Env"]
twice = [k for k, n in collections.Counter(e.split("=", 1)[0] for e in env).items() if n > 1]
assert not twice, "given twice: %s" % twice
assert "ECS_ENABLE_TASK_ENI=false" in env and "ECS_DATADIR=/data" in env, env'
}
t "container: every key once; ecs.config's value where it sets one of ecs-init's defaults" keys_once
t "container: the agent writes its log through /log (bind to /var/log/ecs)" IN grep -q 'msg="Registered container instance with cluster' /var/log/ecs/ecs-agent.log
IN "$BIN" run --cluster sup-cluster --set ECS_RESERVED_MEMORY=64 --wait=10 >"$W/out" 2>&1; echo $? >"$W/rc"
waited() { [ "$(cat "$W/rc")" = 0 ] && grep -q 'wait: \[finished\] registered: cluster sup-cluster, arn:aws:ecs:us-east-1:123456789012:container-instance/sup-cluster/' "$W/out"; }
t "run --wait: exit 0, prints cluster, ARN and version" waited
IN "$BIN" status --wait=3 >"$W/out" 2>&1
t "status: the agent container is running" grep -qx 'agent: container ecs-agent running' "$W/out"
t "status --wait: the registration line" grep -q '^wait .*registered: cluster sup-cluster' "$W/out"
FIRST=$(field 'd["Id"]')
docker_api -X POST "http://d/containers/ecs-agent/kill?signal=KILL" >/dev/null
sleep 2.5
t "the agent killed (SIGKILL, exit 137: a crash): restarted after a backoff" wait_meta
t "... as a new container" [ "$(field 'd["Id"]')" != "$FIRST" ]
t "... the log says so" grep -q 'exited with 137' "$W/agent.log"
t "never two agent containers" [ "$(agent_containers)" = 1 ]
# ecs.config changes while `agent` runs: the agent reads it only at start, so `agent` makes
# a new container from the new file.
env_has() { for _ in $(seq 100); do ctr | python3 -c 'import json,sys; sys.exit(sys.argv[1] not in json.load(sys.stdin)["Config"]["Env"])' "$1" && return 0; sleep 0.1; done; return 1; }
IN "$BIN" run --cluster sup-cluster --set ECS_RESERVED_MEMORY=96 >"$W/out" 2>&1
t "ecs.config changed under a running agent: a new container has the new value" env_has ECS_RESERVED_MEMORY=96
t "... and agent said why" grep -q 'ecs.config changed: restarting the agent' "$W/agent.log"
t "... still one agent container" [ "$(agent_containers)" = 1 ]
wait_meta
# ecs.config names another cluster than the agent's data (its registration) holds: the real
# agent would refuse ("Data mismatch", exit 5, terminal); agent clears the data first, and the
# agent registers in the new cluster as a new container instance
IN sed -i 's/^ECS_CLUSTER=sup-cluster$/ECS_CLUSTER=other-cluster/' /etc/ecs/ecs.config
in_cluster() { metadata | grep -q "container-instance/$1/"; }
for _ in $(seq 300); do in_cluster other-cluster && break; sleep 0.2; done
t "ECS_CLUSTER changed under a running agent: the agent registered in other-cluster (no exit 5)" in_cluster other-cluster
t "... agent said what it did and what to deregister" grep -q "ECS_CLUSTER changed from 'sup-cluster' to 'other-cluster': the agent's data removed" "$W/agent.log"
t "... and still supervises it" kill -0 "$AGENT"
no_mismatch() { ! IN grep -q 'Data mismatch' /var/log/ecs/ecs-agent.log; }
t "... the real agent never saw a mismatch" no_mismatch
IN sed -i 's/^ECS_CLUSTER=other-cluster$/ECS_CLUSTER=sup-cluster/' /etc/ecs/ecs.config
for _ in $(seq 300); do in_cluster sup-cluster && break; sleep 0.2; done
t "... and back to sup-cluster: registered there again" in_cluster sup-cluster
kill -TERM "$AGENT"; wait "$AGENT"
start_agent
t "agent again (a stale stopped container is replaced)" wait_meta
t "still one agent container" [ "$(agent_containers)" = 1 ]
kill -TERM "$AGENT"
for _ in $(seq 100); do kill -0 "$AGENT" 2>/dev/null || break; sleep 0.2; done
wait "$AGENT"; rct=$?
t "SIGTERM: ecs-bootstrap agent exits 0" [ "$rct" = 0 ]
t "SIGTERM: the container was stopped" [ "$(field 'd["State"]["Running"]')" = False ]
IN sh -c 'echo "level=error msg=\"cannot reach the ECS endpoint\"" > /var/log/ecs/ecs-agent.log'
IN "$BIN" status --wait=2 >"$W/out" 2>&1; echo $? >"$W/rc"
timed_out() { [ "$(cat "$W/rc")" = 1 ] && grep -q 'did not register within 2 s' "$W/out" && grep -q 'cannot reach the ECS endpoint' "$W/out"; }
t "--wait with no agent running: the last error and the agent log's tail" timed_out
IN "$BIN" run --cluster sup-cluster --set ECS_RESERVED_MEMORY=64 --wait=20 >"$W/out" 2>&1; echo $? >"$W/rc"
waited_again() { [ "$(cat "$W/rc")" = 0 ] && grep -q 'registered: cluster sup-cluster' "$W/out"; }
t "run --wait after the agent stopped: the service step starts it again, registered" waited_again
# Without systemd (Docker's restart policy keeps the agent): a changed ecs.config makes the
# service step replace the container before run returns.
IN "$BIN" run -v --cluster sup-cluster --set ECS_RESERVED_MEMORY=80 >"$W/out" 2>&1; echo $? >"$W/rc"
t "no systemd: ecs.config changed: run replaces the container (exit 0)" rc 0
t "... and it has the new value at once" env_has ECS_RESERVED_MEMORY=80
t "... the service step said why" has "ecs.config changed since the ecs-agent container was made from it"
# ---- the stand-in, for what the real agent cannot be made to do here
use_standin "exit 42 and 5 on demand (the real agent exits 42 only after an update it downloaded: update.sh; here an exit 42 with no update left; and 5 only on a cluster mismatch, which agent now prevents) and an agent that never registers (ECS_STANDIN_UNREGISTERED)"
IN "$BIN" run --refresh --cluster sup-cluster --set ECS_RESERVED_MEMORY=64 >"$W/out" 2>&1
refreshed() { grep -q 'converged: ' "$W/out" && [ "$(field 'd["Image"]')" = "$AGENT_ID" ] || { cat "$W/out"; return 1; }; }
t "run --refresh: the stand-in loaded, running" refreshed
start_agent
wait_meta
ask_exit 42
sleep 1.5
t "agent exit 42: restarted at once" wait_meta
same_image_42() { grep -q 'exited 42 (update) but left no update to load' "$W/agent.log" && [ "$(field 'd["Image"]')" = "$AGENT_ID" ]; }
t "... with the same image: no update was left to load, and the log says so" same_image_42
ask_exit 5
for _ in $(seq 100); do kill -0 "$AGENT" 2>/dev/null || break; sleep 0.2; done
wait "$AGENT"; rc5=$?
t "the agent's terminal error (exit 5): ecs-bootstrap agent exits 5, not restarting" [ "$rc5" = 5 ]
t "... and says why" grep -q 'terminal error (exit 5)' "$W/agent.log"
IN rm -f /var/lib/ecs/data/standin-exit
# `run --wait` releases its lock before waiting: ecs.service's `agent` takes it to re-apply
# the per-boot steps, and would otherwise stall until --wait ran out (found in the qemu guest).
docker_api -X DELETE "http://d/containers/ecs-agent?force=1" >/dev/null
IN "$BIN" run --cluster sup-cluster --set ECS_RESERVED_MEMORY=64 --set ECS_STANDIN_UNREGISTERED=1 --wait=8 >"$W/out" 2>&1 &
WAITER=$!
for _ in $(seq 100); do grep -q 'wait: \[started\]' "$W/out" && break; sleep 0.1; done
IN "$BIN" run --cluster sup-cluster --set ECS_RESERVED_MEMORY=64 --set ECS_STANDIN_UNREGISTERED=1 --lock-timeout 2 >"$W/out2" 2>&1
t "while run --wait waits, the lock is free: another run gets it (exit 0)" [ $? = 0 ]
wait "$WAITER"; rcw=$?
t "... and the waiting run times out with 111 (the agent never registered)" [ "$rcw" = 111 ]

# SELinux enforcing (this kernel has none: a --root tree says enforce=1, everything else is
# real): the agent container is privileged and its log and data binds get :Z; host dirs first.
# (Docker cannot start a privileged container inside this machine's own container: "unable
# to apply caps"; the container as created is what is checked, and the error must be Docker's.)
T=$W/seltree
mkdir -p "$T/etc/ecs" "$T/sys/fs/selinux" "$T/proc/sys/net/ipv4/conf/all" "$T/var/run"
IN mount --bind /run "$T/var/run" # Docker's socket, seen from the tree
echo 1 > "$T/sys/fs/selinux/enforce"
echo 0 > "$T/proc/sys/net/ipv4/conf/all/route_localnet"
IN cat /etc/os-release > "$T/etc/os-release"
cp "$W/etc.upper/ecs/ecs.config" "$T/etc/ecs/ecs.config"
before=$(started_count)
IN_BG "$BIN" agent --root "$T" >>"$W/agent.log" 2>&1; AGENT=$BG_PID
for _ in $(seq 200); do kill -0 "$AGENT" 2>/dev/null || break; [ "$(started_count)" -gt "${before:-0}" ] && break; sleep 0.1; done
selinux_opts() {
	ctr | python3 -c 'import json,sys; h=json.load(sys.stdin)["HostConfig"]; b=h["Binds"]; sys.exit(not (h["Privileged"] and "/var/log/ecs:/log:Z" in b and "/var/lib/ecs/data:/data:Z" in b))' ||
		{ ctr | python3 -c 'import json,sys; h=json.load(sys.stdin)["HostConfig"]; print(h["Privileged"], h["Binds"])'; tail -5 "$W/agent.log"; return 1; }
}
t "SELinux enforcing: privileged, :Z on /log and /data" selinux_opts
t "... the host dirs were made before the container" bash -c "[ -d $T/var/log/ecs ] && [ -d $T/var/lib/ecs/data ]"
kill -TERM "$AGENT" 2>/dev/null; wait "$AGENT"
t "... a failed start reports Docker's own reason" bash -c "grep -q 'container ecs-agent started' <(tail -1 $W/agent.log) || grep -q 'container start: .*runc\\|container start: .*caps' $W/agent.log"
t_summary
