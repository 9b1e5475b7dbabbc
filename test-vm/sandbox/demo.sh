#!/bin/bash
# test-vm/sandbox/demo.sh BIN: the main job end to end in a namespace sandbox (an
# "instance" with its own network, /etc, /var/lib and /run; real iptables and sysctl):
# first run with its log, the status table, the re-run, and what was written.
set -uo pipefail
BIN=${1:?BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap sbx_down EXIT
SBX_ENV=()
[ "$(id -u)" = 0 ] || { echo "make demo needs root (namespaces, iptables)"; exit 1; }
echo "setting up the sandbox: network and mount namespaces, fake IMDSv2 and S3 over TLS, a real dockerd,"
echo "and a stand-in agent image signed with a throw-away key (the real agent cannot be downloaded here)"
sbx_up nft >/dev/null && sbx_aws_up && sbx_agent_up || exit 1
bar() { printf '\n==== %s\n' "$*"; }

bar "ecs-bootstrap run --cluster demo-cluster --wait=60   (first run: converges the machine)"
IN "$BIN" run --cluster demo-cluster --wait=60; echo "exit code: $?"
bar "ecs-bootstrap status"
IN "$BIN" status
bar "ecs-bootstrap run --cluster demo-cluster   (re-run: every step skipped)"
s=$(date +%s%N); IN "$BIN" run --cluster demo-cluster; rc=$?; e=$(date +%s%N)
echo "exit code: $rc, wall time $(( (e - s) / 1000000 )) ms"
bar "what the sandbox instance now has"
echo "--- /etc/ecs/ecs.config"; IN cat /etc/ecs/ecs.config
echo "--- /etc/sysctl.d/80-ecs-bootstrap.conf"; IN cat /etc/sysctl.d/80-ecs-bootstrap.conf
echo "--- route_localnet = $(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)"
echo "--- iptables-save (ours)"; IN iptables-save | grep -E '169.254.170.2|51678|127.0.0.0/8'
echo "--- Docker: $(docker_api http://d/images/amazon/amazon-ecs-agent:latest/json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["RepoTags"], d["Id"])')"
echo "--- /var/cache/ecs"; IN ls -la /var/cache/ecs
bar "the agent container (the stand-in) and the task-role address"
docker_api "http://d/containers/ecs-agent/json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("ecs-agent:", d["State"]["Status"], d["Config"]["Image"], "restart policy", d["HostConfig"]["RestartPolicy"])'
echo "introspection (127.0.0.1:51678/v1/metadata): $(IN curl -sS -m 3 http://127.0.0.1:51678/v1/metadata)"
echo "credentials from the instance (OUTPUT REDIRECT): $(IN curl -sS -m 3 http://169.254.170.2/v2/credentials/demo)"
echo "credentials from a task namespace (PREROUTING DNAT): $(ip netns exec "$TNS" curl -sS -m 3 http://169.254.170.2/v2/credentials/demo)"
