#!/bin/bash
# test-vm/qemu/demo.sh BIN: `make demo`.  Boots a Debian 12 guest (systemd, cloud-init, Docker)
# under qemu as an EC2 instance, from the production user data (docs/examples/user-data.sh):
# the snippet downloads BIN from the (fake) S3 release bucket, checks its sha256 and runs it.
# Shows the bootstrap log, `ecs-bootstrap status` and the registration line.  The first run
# builds the guest image (a few minutes; cached in test-vm/qemu/cache), later runs reuse it.
set -uo pipefail
BIN=${1:?usage: demo.sh BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
vm_init
CLUSTER=demo-cluster
bar() { printf '\n==== %s\n' "$*"; }

bar "the guest image (Debian 12, systemd, cloud-init, docker.io; built once, then cached)"
bash "$HERE/build-image.sh" "$VMCACHE" || exit 1
echo "fake IMDSv2 and S3 (TLS, SigV4-checking) on the host side; a stand-in agent image signed with a"
echo "throw-away key (the real agent cannot be downloaded here); ecs-bootstrap in the release bucket"
vm_env_up "$BIN" || exit 1
bar "booting the instance under qemu (TCG, no KVM here: about a minute to cloud-init's user data)"
vm_boot demo user-data i-0demo000000000001 || exit 1
vm_wait_agent 600 || { echo "the guest did not come up; serial console: $W/demo.serial"; tail -20 "$W/demo.serial"; exit 1; }
G -t 900 "cloud-init status --wait" > /dev/null
echo "cloud-init finished $(since "$VM_T0") s after qemu started"
bar "the user data's output (/var/log/cloud-init-output.log): download, sha256, ecs-bootstrap run --wait"
G "grep -E '^(ecs-bootstrap|user-data)' /var/log/cloud-init-output.log | grep -v ' download [0-9]*% '"
bar "ecs-bootstrap status and the options the run saved (ecs.service's agent uses them)"
G "ecs-bootstrap status; ecs-bootstrap options"
bar "registration (the agent's introspection API, 127.0.0.1:51678/v1/metadata)"
G "curl -sS -m 5 http://127.0.0.1:51678/v1/metadata; echo"
bar "the service, the rules and the task-role address"
G "systemctl --no-pager status ecs.service | head -5"
G "iptables -t nat -S | grep 169.254.170.2"
echo "from a bridge-mode container: $(G 'docker run --rm amazon/amazon-ecs-agent:latest probe 169.254.170.2 80')"
bar "re-run of ecs-bootstrap in the guest (every step skipped)"
G "s=\$(date +%s%N); ecs-bootstrap run --cluster $CLUSTER --wait=60 2>&1; e=\$(date +%s%N); echo \"wall time \$(( (e - s) / 1000000 )) ms\""
