#!/bin/bash
# test-vm/sandbox/bake.sh BIN FAULT_BIN BACKEND
# `bake` (a Packer step, through docs/examples/packer/bake.sh) and the first boot of an instance made from the image: no
# download, no load, the agent started with the boot's cluster.
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
run "$BIN" run --cluster boot-cluster --wait=30
t "first boot: exit 0" rc 0
t "first boot: agent-image [skipped] (no download, no load)" has "agent-image: [skipped] already converged"
t "first boot: nothing downloaded" [ "$(gets)" = "$N" ]
t "first boot: ecs.config has the boot's cluster" grep -qx ECS_CLUSTER=boot-cluster "$W/etc.upper/ecs/ecs.config"
t "first boot: the agent registered in the boot's cluster" has "registered: cluster boot-cluster"
t "first boot: checkpoints now carry the new instance id" grep -q scope_id=i-0firstboot0000001 "$W/varlib.upper/ecs-bootstrap/state/ecs-config"

# --no-start (no systemd here: the agent is a Docker-supervised container): converged without
# a container; plan still calls the stopped agent pending; a run without it starts the agent
no_container() { [ "$(nsenter -t $HOLDER -m -n curl -s -o /dev/null -w '%{http_code}' --unix-socket /run/docker.sock http://d/containers/ecs-agent/json)" = 404 ]; }
IN curl -s -X DELETE --unix-socket /run/docker.sock "http://d/containers/ecs-agent?force=1" >/dev/null
run "$BIN" run --cluster boot-cluster --no-start
t "--no-start: exit 0, says the agent is not started" bash -c "[ \$(cat $W/rc) = 0 ] && grep -q 'agent not started (--no-start)' $W/out"
t "--no-start: no agent container" no_container
run "$BIN" plan --cluster boot-cluster
t "plan without --no-start: the stopped agent is a pending change (exit 1)" rc 1
run "$BIN" run --cluster boot-cluster --wait=30
t "run without --no-start: the agent started and registered" bash -c "[ \$(cat $W/rc) = 0 ] && grep -q 'registered: cluster boot-cluster' $W/out"
run env ECS_BOOTSTRAP_NO_START=1 "$BIN" run --wait=5
t "ECS_BOOTSTRAP_NO_START=1 with --wait: exit 100" rc 100
t_summary
