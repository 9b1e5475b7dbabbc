#!/bin/bash
# test-vm/sandbox/bake.sh BIN FAULT_BIN BACKEND
# `bake` (a Packer step, through docs/examples/packer/bake.sh) and the first boot of an instance made from the image: no
# download, no load, the agent started with the boot's cluster (ecs.service's agent, started
# before the user data, waits for it); then a cluster change on the registered instance.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)

sbx_suite "bake and first boot" "$@"
run() { IN "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
gets() { grep -c '"path": "/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar", "status": 200' "$W/s3.log"; }

# the builder instance: a normal run (the agent even runs there), with some agent state
run "$BIN" run --cluster builder-cluster
t "builder: run exits 0" rc 0
IN sh -c 'echo state > /var/lib/ecs/data/agent.db; mkdir -p /var/lib/ecs/data/sub; echo x > /var/lib/ecs/data/sub/y; echo log > /var/log/ecs/ecs-agent.log'
# bake as the Packer example does it: docs/examples/packer/bake.sh, unchanged, downloads the
# binary from the (fake) release bucket, checks its sha256 and runs `ecs-bootstrap bake`.
mkdir -p "$W/s3/release-bucket" && cp "$BIN" "$W/s3/release-bucket/ecs-bootstrap"
PACKER_BAKE=$(cd "$HERE/../../docs/examples/packer" && pwd)/bake.sh
run env BS_URL=https://s3.us-east-1.amazonaws.com/release-bucket/ecs-bootstrap \
	BS_SHA256="$(sha256sum < "$BIN" | cut -d' ' -f1)" sh "$PACKER_BAKE"
t "bake (docs/examples/packer/bake.sh): exit 0" rc 0
t "bake: the binary installed is the one published" bash -c "cmp $BIN <(nsenter -t $HOLDER -m -n cat /usr/local/bin/ecs-bootstrap)"
t "bake: says what it removed" has "removed: container ecs-agent"
t "bake: the agent container is gone" bash -c "[ \"\$(nsenter -t $HOLDER -m -n curl -s -o /dev/null -w '%{http_code}' --unix-socket /run/docker.sock http://d/containers/ecs-agent/json)\" = 404 ]"
t "bake: agent data and logs are gone" bash -c "[ -z \"\$(nsenter -t $HOLDER -m -n ls -A /var/lib/ecs/data /var/log/ecs | grep -v ':$')\" ]"
t "bake: no ECS_CLUSTER in ecs.config" bash -c "! grep -q ECS_CLUSTER $W/etc.upper/ecs/ecs.config"
t "bake: only the once-scoped checkpoints remain" bash -c "ls $W/varlib.upper/ecs-bootstrap/state | sort | tr '\n' ' ' | grep -qx 'agent-image host-dirs options '"
t "bake: the image is still loaded" [ "$(image_id_of amazon/amazon-ecs-agent:latest)" = "$AGENT_ID" ]
N=$(gets)

# the first boot of an instance made from the image: new boot id, new instance id
sbx_reboot
IN sh -c 'echo i-0firstboot0000001 > /var/lib/cloud/data/instance-id'
# ecs.service starts before the user data's run: its agent waits for a cluster, then starts
# when the run names one, and registers there only (not in "default" first)
no_container() { [ "$(nsenter -t $HOLDER -m -n curl -s -o /dev/null -w '%{http_code}' --unix-socket /run/docker.sock http://d/containers/ecs-agent/json)" = 404 ]; }
registrations() { ecs_calls RegisterContainerInstance | grep -c .; }
REG0=$(registrations)
IN_BG "$BIN" agent >>"$W/agent.log" 2>&1; AGENT=$BG_PID
for _ in $(seq 100); do grep -q 'names no cluster' "$W/agent.log" && break; sleep 0.1; done
sleep 3
waits() { grep -q 'names no cluster (an image made by bake): the agent waits' "$W/agent.log" && no_container && kill -0 "$AGENT"; }
t "first boot, before the user data: agent waits for a cluster, no container" waits
t "... nothing registered meanwhile" [ "$(registrations)" = "$REG0" ]
run "$BIN" run --cluster boot-cluster --no-start
for _ in $(seq 600); do [ "$(registrations)" != "$REG0" ] && break; sleep 0.1; done
once_in_boot() {
	ecs_calls RegisterContainerInstance | tail -n +$((REG0 + 1)) | python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin]
assert rs and all(r["cluster"] == "boot-cluster" for r in rs), rs
assert len([r for r in rs if r.get("new_instance")]) == 1, rs'
}
t "... the run named boot-cluster: the agent started and registered once, in boot-cluster only" once_in_boot
kill -TERM "$AGENT"; wait "$AGENT"
t "... and ecs.service's agent stops on SIGTERM (exit 0)" [ $? = 0 ]
run "$BIN" run --cluster boot-cluster --wait=30
t "first boot: exit 0" rc 0
t "first boot: agent-image [skipped] (no download, no load)" has "agent-image: [skipped] already converged"
t "first boot: nothing downloaded" [ "$(gets)" = "$N" ]
t "first boot: ecs.config has the boot's cluster" grep -qx ECS_CLUSTER=boot-cluster "$W/etc.upper/ecs/ecs.config"
t "first boot: the agent registered in the boot's cluster" has "registered: cluster boot-cluster"
t "first boot: checkpoints now carry the new instance id" grep -q scope_id=i-0firstboot0000001 "$W/varlib.upper/ecs-bootstrap/state/ecs-config"

# --no-start (no systemd here: the agent is a Docker-supervised container): converged without
# a container; plan still calls the stopped agent pending; a run without it starts the agent
IN curl -s -X DELETE --unix-socket /run/docker.sock "http://d/containers/ecs-agent?force=1" >/dev/null
run "$BIN" run --cluster boot-cluster --no-start
t "--no-start: exit 0, says the agent is not started" bash -c "[ \$(cat $W/rc) = 0 ] && grep -q 'agent not started (--no-start)' $W/out"
t "--no-start: no agent container" no_container
run "$BIN" plan --cluster boot-cluster
t "plan without --no-start: the stopped agent is a pending change (exit 1)" rc 1
run "$BIN" run --cluster boot-cluster --wait=30
t "run without --no-start: the agent started and registered" bash -c "[ \$(cat $W/rc) = 0 ] && grep -q 'registered: cluster boot-cluster' $W/out"

# a cluster change on a registered instance: the real agent would refuse its saved cluster
# (exit 5, "Data mismatch"); its data is cleared first and it registers in the new cluster
run "$BIN" run --cluster other-cluster --wait=60
moved() { rc 0 && has "registered: cluster other-cluster" || { agent_log_tail; return 1; }; }
t "a cluster change: exit 0, the agent registered in other-cluster" moved
t "... the agent's data was cleared, and the log says to deregister the old instance" \
	has "ECS_CLUSTER changed from 'boot-cluster' to 'other-cluster': the agent's data removed"
new_in_other() { grep -q '"cluster": "other-cluster".*"new_instance": true' <<<"$(ecs_calls RegisterContainerInstance)"; }
t "... the fake ECS: a new container instance in other-cluster" new_in_other
run env ECS_BOOTSTRAP_NO_START=1 "$BIN" run --wait=5
t "ECS_BOOTSTRAP_NO_START=1 with --wait: exit 100" rc 100

# A cluster baked into the image (CLUSTER for packer/bake.sh: bake --cluster).  On an instance
# made from it, ecs.service's agent starts while cloud-init is still at work: it waits for the
# instance's first run, so it registers only in the cluster the user data names (not in the
# baked one first, then again after a move); with no run, once cloud-init has finished, or with
# a run naming no cluster, in the baked cluster.
boot_from_image() { # INSTANCE_ID: bake with CLUSTER=baked-cluster, then a first boot, cloud-init at work
	docker_api -X POST "http://d/containers/ecs-agent/stop?t=5" >/dev/null
	run env BS_URL=https://s3.us-east-1.amazonaws.com/release-bucket/ecs-bootstrap \
		BS_SHA256="$(sha256sum < "$BIN" | cut -d' ' -f1)" CLUSTER=baked-cluster sh "$PACKER_BAKE"
	rc 0 && has "kept: ECS_CLUSTER" && IN test -s /var/lib/ecs-bootstrap/baked || return 1
	sbx_reboot
	IN sh -c "echo $1 > /var/lib/cloud/data/instance-id; rm -rf /run/cloud-init; mkdir -p /run/cloud-init"
}
agent_waits() { # LOG: the agent waits for the first run: said, no container, nothing registered
	for _ in $(seq 100); do grep -q 'before its first run' "$1" && break; sleep 0.1; done
	sleep 3
	grep -q 'an instance made from a baked image, before its first run: the agent waits' "$1" && no_container &&
		[ "$(registrations)" = "$REG0" ] || { tail -5 "$1"; return 1; }
}
registered_in() { # CLUSTER: after REG0, the fake registered one new instance, in CLUSTER only
	for _ in $(seq 600); do [ "$(registrations)" != "$REG0" ] && break; sleep 0.1; done
	sleep 1
	ecs_calls RegisterContainerInstance | tail -n +$((REG0 + 1)) | python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin]
assert rs and all(r["cluster"] == sys.argv[1] for r in rs), rs
assert len([r for r in rs if r.get("new_instance")]) == 1, rs' "$1"
}
t "baked cluster, second image: bake (CLUSTER=baked-cluster) and a first boot" boot_from_image i-0bakedboot000002
REG0=$(registrations)
IN_BG "$BIN" agent >>"$W/agent2.log" 2>&1; AGENT=$BG_PID
t "... ecs.service's agent waits for the first run although ecs.config names baked-cluster" agent_waits "$W/agent2.log"
run "$BIN" run --cluster user-cluster --no-start
t "... the run names user-cluster: exit 0, the marker gone" bash -c "[ \$(cat $W/rc) = 0 ] && [ ! -e $W/varlib.upper/ecs-bootstrap/baked ]"
t "... registered once, in user-cluster only (never in baked-cluster)" registered_in user-cluster
kill -TERM "$AGENT"; wait "$AGENT"
t "baked cluster, third image: bake and a first boot" boot_from_image i-0bakedboot000003
REG0=$(registrations)
IN_BG "$BIN" agent >>"$W/agent3.log" 2>&1; AGENT=$BG_PID
t "... the agent waits for the first run" agent_waits "$W/agent3.log"
IN touch /run/cloud-init/result.json
t "... cloud-init finished with no run: registered once, in baked-cluster" registered_in baked-cluster
kill -TERM "$AGENT"; wait "$AGENT"
t "baked cluster, fourth image: bake and a first boot" boot_from_image i-0bakedboot000004
REG0=$(registrations)
IN_BG "$BIN" agent >>"$W/agent4.log" 2>&1; AGENT=$BG_PID
t "... the agent waits for the first run" agent_waits "$W/agent4.log"
# the user-data snippet with CLUSTER unset passes no --cluster: the baked one holds
run "$BIN" run --no-start
t "... a run naming no cluster: exit 0, the marker gone, ecs.config still names baked-cluster" \
	bash -c "[ \$(cat $W/rc) = 0 ] && [ ! -e $W/varlib.upper/ecs-bootstrap/baked ] && grep -qx ECS_CLUSTER=baked-cluster $W/etc.upper/ecs/ecs.config"
t "... registered once, in baked-cluster" registered_in baked-cluster
kill -TERM "$AGENT"; wait "$AGENT"
t_summary
