#!/bin/bash
# test-vm/qemu/demo.sh BIN: `make demo`.  Boots a Debian 12 guest (systemd, cloud-init, Docker)
# under qemu as an EC2 instance, from the production user data (docs/examples/user-data.sh):
# the snippet downloads BIN from the (fake) S3 release bucket, checks its sha256 and runs it.
# The agent is the real Amazon ECS agent (shared/realagent, signed with a throw-away key), and
# a fake ECS control plane stands in for Amazon's.  Shows the bootstrap log, `ecs-bootstrap
# status`, the registration the fake ECS recorded and the agent's version, then a task the fake
# places through ACS running in a bridge-mode container and fetching its role's credentials from
# 169.254.170.2.  The first run builds the guest image (a few minutes; cached in
# test-vm/qemu/cache/bookworm), later runs reuse it.  SUITE=trixie or sid boots that suite instead.
set -uo pipefail
BIN=${1:?usage: demo.sh BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
vm_init
CLUSTER=demo-cluster
bar() { printf '\n==== %s\n' "$*"; }

bar "the guest image (Debian $SUITE, systemd, cloud-init, docker.io; built once, then cached)"
bash "$HERE/build-image.sh" "$VMIMG" "$SUITE" || exit 1
echo "fake IMDSv2, S3 and ECS (TLS, SigV4-checking) on the host side; the real ECS agent $REAL_AGENT_VERSION"
echo "(built from source) signed with a throw-away key in Amazon's bucket; ecs-bootstrap in the release bucket"
vm_env_up "$BIN" && real_agent_ok && publish_agent_file ecs-agent-latest.tar "$REAL_AGENT" || exit 1
bar "booting the instance under qemu (TCG, no KVM here: about a minute to cloud-init's user data)"
vm_boot demo user-data i-0demo000000000001 || exit 1
vm_wait_agent 600 || { echo "the guest did not come up; serial console: $W/demo.serial"; tail -20 "$W/demo.serial"; exit 1; }
G -t 900 "cloud-init status --wait" > /dev/null
echo "cloud-init finished $(since "$VM_T0") s after qemu started"
bar "the user data's output (/var/log/cloud-init-output.log): download, sha256, ecs-bootstrap run --wait"
G "grep -E '^(ecs-bootstrap|user-data)' /var/log/cloud-init-output.log | grep -v ' download [0-9]*% '"
bar "ecs-bootstrap status and the options the run saved (ecs.service's agent uses them)"
G "ecs-bootstrap status; ecs-bootstrap options"
bar "the registration the fake ECS recorded, and the agent's introspection API (127.0.0.1:51678/v1/metadata)"
ecs_calls RegisterContainerInstance | python3 -c '
import json, sys
for r in map(json.loads, sys.stdin):
    print("RegisterContainerInstance: HTTP %s, cluster %s, instance %s, signed by %s\n  -> %s" % (
        r["status"], r["cluster"], r.get("ec2_instance_id"), r["akid"], r["arn"]))'
G "curl -sS -m 5 http://127.0.0.1:51678/v1/metadata; echo"
bar "the service and the rules"
G "systemctl --no-pager status ecs.service | head -5"
G "iptables -t nat -S | grep 169.254.170.2"
bar "a task: the fake ECS places it through ACS (bridge network mode, a task role); its program fetches"
echo "its role's credentials from 169.254.170.2 (PREROUTING DNAT to the agent) and checks them"
TASK=$(PROBE_HOLD=8 place demo bridge ASIADEMOTASKROLE)
echo "task $TASK"
for _ in $(seq 300); do ecs_calls SubmitTaskStateChange | grep -qF "$TASK" && break; sleep 1; done
G "docker ps --format '{{.Names}}  {{.Image}}  {{.Status}}  {{.Networks}}'"
for _ in $(seq 120); do ecs_calls SubmitTaskStateChange | grep -F "$TASK" | grep -q STOPPED && break; sleep 1; done
ecs_calls SubmitTaskStateChange | python3 -c '
import json, sys
seen = set()
for r in map(json.loads, sys.stdin):
    if r["task"] == sys.argv[1] and r.get("invocation") not in seen:
        seen.add(r.get("invocation"))
        print("SubmitTaskStateChange: %s %s" % (r["task_status"], r["containers"]))' "$TASK"
echo "the task's output:"
G "docker logs \$(docker ps -aq --filter label=com.amazonaws.ecs.task-arn=$TASK | head -1) 2>&1"
bar "re-run of ecs-bootstrap in the guest (every step skipped)"
G "s=\$(date +%s%N); ecs-bootstrap run --cluster $CLUSTER --wait=60 2>&1; e=\$(date +%s%N); echo \"wall time \$(( (e - s) / 1000000 )) ms\""
