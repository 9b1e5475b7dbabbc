#!/bin/bash
# test-vm/sandbox/agentenv.sh BIN FAULT_BIN BACKEND
# The agent's environment and mounts as ecs-init gives them, with the real agent registering
# each time: ecs-init's own settings in ecs.config honoured as ecs-init does (ECS_AGENT_LABELS,
# ECS_AGENT_PID_NAMESPACE_HOST, ECS_LOG_DRIVER with ECS_LOG_OPTS, ECS_INIT_DOCKER_LOG_FILE_SIZE
# and _NUM, DOCKER_HOST, ECS_AGENT_APPARMOR_PROFILE where AppArmor is on) or said at the start to
# have no effect; invalid values warned, as ecs-init; ECS Exec's configuration bind, /mnt/ecs/ebs
# (EBS task attach) and ecs-init's five logging drivers advertised to ECS.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)

sbx_suite "the agent's environment and mounts (ecs-init's settings)" "$@"
run() { IN "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
ctr() { docker_api "http://d/containers/ecs-agent/json"; }
field() { ctr | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
binds() { field '"\n".join(d["HostConfig"]["Binds"])'; }
env_has() { local env; env=$(field '"\n".join(d["Config"]["Env"])'); grep -qx -- "$1" <<<"$env" || { echo "no $1 in the container's environment"; return 1; }; }
registered() { rc 0 && has "registered: cluster env" || { agent_log_tail; return 1; }; }
APPARMOR=$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null || echo N)

# ECS Exec's dependencies, as the ECS-optimized AMI lays them out (the binaries themselves are not needed to bind)
IN mkdir -p /var/lib/ecs/deps/execute-command/bin
run "$BIN" run --cluster env --wait=120 \
	--set 'ECS_AGENT_LABELS={"team":"blue","cost.center":"42","managed-by":"someone-else"}' \
	--set ECS_AGENT_PID_NAMESPACE_HOST=true \
	--set ECS_LOG_DRIVER=fluentd --set 'ECS_LOG_OPTS={"fluentd-address":"127.0.0.1:24224","fluentd-async-connect":"true","tag":"ecs-agent"}' \
	--set ECS_AGENT_APPARMOR_PROFILE=unconfined \
	--set ECS_GMSA_SUPPORTED=true --set ECS_OFFHOST_INTROSPECTION_INTERFACE_NAME=eth0
t "run with ecs-init's settings: exit 0, the real agent registered" registered
labels() {
	field 'sorted((k, v) for k, v in d["Config"]["Labels"].items() if not k.startswith("ecs-bootstrap."))' |
		grep -qxF "[('cost.center', '42'), ('managed-by', 'ecs-bootstrap'), ('team', 'blue')]" || { field 'd["Config"]["Labels"]'; return 1; }
}
t "ECS_AGENT_LABELS: the container's labels, ours kept (managed-by is ecs-bootstrap's)" labels
t "... and the one refused is said" has "ECS_AGENT_LABELS: label 'managed-by' is ecs-bootstrap's own: not given"
t "ECS_AGENT_PID_NAMESPACE_HOST=true: PidMode host" [ "$(field 'd["HostConfig"]["PidMode"]')" = host ]
t "ECS_LOG_DRIVER=fluentd with ECS_LOG_OPTS: the container's LogConfig" \
	[ "$(field 'd["HostConfig"]["LogConfig"]')" = "{'Type': 'fluentd', 'Config': {'fluentd-address': '127.0.0.1:24224', 'fluentd-async-connect': 'true', 'tag': 'ecs-agent'}}" ]
if [ "$APPARMOR" = Y ]; then
	t "ECS_AGENT_APPARMOR_PROFILE (AppArmor on): SecurityOpt apparmor=unconfined" [ "$(field 'd["HostConfig"]["SecurityOpt"]')" = "['apparmor=unconfined']" ]
else
	no_opt() { has "ECS_AGENT_APPARMOR_PROFILE has no effect: AppArmor is not enabled" && { local o; o=$(field '[x for x in d["HostConfig"].get("SecurityOpt") or [] if "apparmor" in x]'); [ "$o" = "[]" ] || { echo "SecurityOpt: $o"; return 1; }; }; }
	t "ECS_AGENT_APPARMOR_PROFILE (AppArmor off here): said to have no effect, no apparmor SecurityOpt" no_opt
fi
t "ECS_GMSA_SUPPORTED: said to have no effect" has "ECS_GMSA_SUPPORTED / CREDENTIALS_FETCHER_HOST have no effect"
t "ECS_OFFHOST_INTROSPECTION_INTERFACE_NAME: said to have no effect" has "ECS_OFFHOST_INTROSPECTION_INTERFACE_NAME has no effect"
exec_binds() {
	local b; b=$(binds)
	grep -qx /var/lib/ecs/deps:/managed-agents:ro <<<"$b" &&
		grep -qx /var/lib/ecs/deps/execute-command/config:/managed-agents/execute-command/config <<<"$b" || { echo "$b"; return 1; }
}
t "ECS Exec: its dependencies read-only, its configuration read-write (as ecs-init)" exec_binds
rw() { field 'sorted((m["Destination"], m["RW"]) for m in d["Mounts"] if m["Destination"].startswith("/managed-agents"))'; }
t "... mounted so: /managed-agents read-only, its config read-write" [ "$(rw)" = "[('/managed-agents', False), ('/managed-agents/execute-command/config', True)]" ]
ebs() { IN test -d /mnt/ecs/ebs && env_has ECS_EBSTA_SUPPORTED=true; }
t "EBS task attach: /mnt/ecs/ebs made, ECS_EBSTA_SUPPORTED=true" ebs
FIVE='["json-file","syslog","awslogs","fluentd","none"]'
t "logging drivers: ecs-init's five in ecs.config" grep -qxF "ECS_AVAILABLE_LOGGING_DRIVERS=$FIVE" "$W/etc.upper/ecs/ecs.config"
advertised() {
	ecs_calls RegisterContainerInstance | tail -1 | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert {"awslogs", "fluentd", "json-file", "none", "syslog"} <= set(r["logging_drivers"]), r["logging_drivers"]'
}
t "... and the agent advertised all five to ECS (with its own awsfirelens)" advertised

# the same settings changed, some invalid: warned and treated as ecs-init treats them
run "$BIN" run --cluster env --wait=120 \
	--set ECS_AGENT_LABELS='not json' --set ECS_AGENT_PID_NAMESPACE_HOST=false \
	--set ECS_LOG_DRIVER=bogus --set ECS_INIT_DOCKER_LOG_FILE_SIZE=8m --set ECS_INIT_DOCKER_LOG_FILE_NUM=2 \
	--set DOCKER_HOST=unix:///srv/ecs-docker.sock
t "changed settings: exit 0, a new container, registered" registered
t "ECS_AGENT_LABELS not JSON: warned, no labels from it" \
	bash -c "grep -q 'ECS_AGENT_LABELS in /etc/ecs/ecs.config is not a JSON object of strings' $W/out && ! grep -q team <<<\"\$(nsenter -t $HOLDER -m -n curl -s --unix-socket /run/docker.sock http://d/containers/ecs-agent/json)\""
t "ECS_LOG_DRIVER=bogus: warned, json-file with ECS_INIT_DOCKER_LOG_FILE_SIZE/_NUM" \
	[ "$(field 'd["HostConfig"]["LogConfig"]')" = "{'Type': 'json-file', 'Config': {'max-file': '2', 'max-size': '8m'}}" ]
t "... the warning" has "ECS_LOG_DRIVER 'bogus' is not one of awslogs"
t "ECS_AGENT_PID_NAMESPACE_HOST=false: the container's own PID namespace" [ "$(field 'repr(d["HostConfig"]["PidMode"])')" = "''" ]
t "DOCKER_HOST in ecs.config: Docker's socket bound at that path (the agent registered through it)" \
	bash -c "nsenter -t $HOLDER -m -n curl -s --unix-socket /run/docker.sock http://d/containers/ecs-agent/json | grep -qF '/var/run/docker.sock:/srv/ecs-docker.sock'"
run "$BIN" run --cluster env --set DOCKER_HOST=unix://relative.sock
t "DOCKER_HOST not an absolute unix path: exit 100, says what it wants" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'DOCKER_HOST in /etc/ecs/ecs.config: want unix:///absolute/path' $W/out"

# ECS Anywhere and GPUs change what the real agent does (no IMDS; NVIDIA devices): the stand-in
use_standin "ECS_EXTERNAL=true would make the real agent an ECS Anywhere instance, and GPU support needs NVIDIA devices"
run "$BIN" run --cluster env --set DOCKER_HOST= --set ECS_EXTERNAL=true --set ECS_ENABLE_GPU_SUPPORT=true
t "ECS_EXTERNAL and ECS_ENABLE_GPU_SUPPORT: exit 0, each said to have no effect" \
	bash -c "[ \$(cat $W/rc) = 0 ] && grep -q 'ECS_EXTERNAL=true: ecs-bootstrap sets up EC2 instances' $W/out && grep -q 'ECS_ENABLE_GPU_SUPPORT=true: ecs-bootstrap does not set up GPUs' $W/out || cat $W/out"
t_summary
