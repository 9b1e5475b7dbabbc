#!/bin/bash
# test-vm/sandbox/amazon.sh BIN FAULT_BIN BACKEND
# --method package on Amazon Linux 2, Amazon Linux 2023 and the Amazon Linux AMI (upstart),
# chosen by --method auto from /etc/os-release: the commands of the AWS documents, run through
# recording stand-ins for the package and service tools (test-vm/amazon/standin-tool: those
# distributions cannot run here), the same ecs.config, --wait, and a re-run that changes
# nothing.  Everything else is real: iptables, sysctl, the fake IMDS.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)
SBX_AGENT=standin SBX_STANDIN_WHY="Amazon Linux's ecs-init package cannot run here: the recording tools start the stand-in in its place"
sbx_suite "Amazon Linux (--method package)" "$@"
TOOL=$(cd "$HERE/../amazon" && pwd)/standin-tool
IN sh -euc "mount -t tmpfs tmpfs /usr/local/sbin; mkdir -p /run/al-standin; ln -s '$STANDIN' /run/al-standin/agent
	for tool in amazon-linux-extras dnf yum rpm systemctl initctl start; do ln -s '$TOOL' /usr/local/sbin/\$tool; done" ||
	{ echo "not ok - stand-ins"; exit 1; }
ST=/run/al-standin
stop_agent() { IN sh -c "[ -e $ST/agent.pid ] && kill \$(cat $ST/agent.pid); rm -f $ST/agent.pid" 2>/dev/null; }
trap 'stop_agent; sbx_down' EXIT
run() { IN "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
changes() { IN cat $ST/calls.log 2>/dev/null | grep -vE '^(rpm -q|systemctl show|systemctl is-enabled|initctl status)' | tr '\n' '|'; }
reset_standins() { stop_agent; IN sh -c "rm -f $ST/calls.log $ST/installed $ST/enabled $ST/active"; }
agent_gets() { grep -c '"path": "/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar", "status": 200' "$W/s3.log"; }

# os-release VERSION_ID PRETTY_NAME SYSTEMD(yes|no) EXPECTED-CHANGES
variant() {
	local ver=$1 pretty=$2 systemd=$3 want=$4
	reset_standins
	IN "$BIN" reset >/dev/null 2>&1
	IN sh -c "rm -f /etc/os-release; printf 'NAME=\"Amazon Linux\"\nID=\"amzn\"\nID_LIKE=\"centos rhel fedora\"\nVERSION_ID=\"$ver\"\nPRETTY_NAME=\"$pretty\"\n' > /etc/os-release"
	if [ "$systemd" = yes ]; then IN mkdir -p /run/systemd/system; else IN rm -rf /run/systemd/system; fi
	local gets; gets=$(agent_gets)
	run "$BIN" run --cluster al-cluster --wait=20
	t "$pretty: exit 0" rc 0
	t "$pretty: --method auto chose the package" has "method package (ecs-init)"
	t "$pretty: the AWS document's commands, in order" [ "$(changes)" = "$want" ]
	t "$pretty: the agent registered (--wait)" has "registered: cluster al-cluster, arn:aws:ecs:"
	t "$pretty: ecs.config as for the container method" grep -qx ECS_CLUSTER=al-cluster "$W/etc.upper/ecs/ecs.config"
	t "$pretty: no agent download, no unit of ours" bash -c "[ $(agent_gets) = $gets ] && [ ! -e $W/etc.upper/systemd/system/ecs.service ]"
	run "$BIN" run --cluster al-cluster
	t "$pretty: re-run: exit 0, nothing installed or started again" bash -c "[ \$(cat $W/rc) = 0 ] && [ '$(changes)' = '$want' ] && grep -q 'service: \[skipped\]' $W/out"
}
variant 2 "Amazon Linux 2" yes \
	"amazon-linux-extras disable docker|amazon-linux-extras install -y ecs|systemctl enable --now --no-block ecs.service|"
variant 2023 "Amazon Linux 2023" yes "dnf install -y ecs-init|systemctl enable --now --no-block ecs.service|"
variant 2018.03 "Amazon Linux AMI 2018.03" no "yum install -y ecs-init|start ecs|"

# bake on Amazon Linux 2: installed and enabled, not started
reset_standins; IN "$BIN" reset >/dev/null 2>&1
IN sh -c "rm -f /etc/os-release; printf 'ID=\"amzn\"\nVERSION_ID=\"2\"\nPRETTY_NAME=\"Amazon Linux 2\"\n' > /etc/os-release; mkdir -p /run/systemd/system"
run "$BIN" bake
t "bake (Amazon Linux 2): exit 0, enabled, not started" bash -c "[ \$(cat $W/rc) = 0 ] && [ '$(changes)' = 'amazon-linux-extras disable docker|amazon-linux-extras install -y ecs|systemctl enable ecs.service|' ] && ! nsenter -t $HOLDER -m -n test -e $ST/active"
# --no-start on Amazon Linux 2023: installed and enabled, not started; a run without it starts it
reset_standins; IN "$BIN" reset >/dev/null 2>&1
IN sh -c "rm -f /etc/os-release; printf 'ID=\"amzn\"\nVERSION_ID=\"2023\"\nPRETTY_NAME=\"Amazon Linux 2023\"\n' > /etc/os-release; mkdir -p /run/systemd/system"
run "$BIN" run --cluster al-cluster --no-start
t "--no-start (Amazon Linux 2023): exit 0, installed and enabled, not started" bash -c "[ \$(cat $W/rc) = 0 ] && [ '$(changes)' = 'dnf install -y ecs-init|systemctl enable ecs.service|' ] && ! nsenter -t $HOLDER -m -n test -e $ST/active"
run "$BIN" run --cluster al-cluster --wait=20
t "... then a run without it: started (--now --no-block) and registered" bash -c "[ \$(cat $W/rc) = 0 ] && [ '$(changes)' = 'dnf install -y ecs-init|systemctl enable ecs.service|systemctl enable --now --no-block ecs.service|' ] && grep -q 'registered: cluster al-cluster' $W/out"
run "$BIN" run --no-start --wait=5
t "--no-start with --wait: exit 100, nothing run" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'does not start' $W/out"
run "$BIN" run --method nonsense
t "--method nonsense: exit 100" rc 100
t_summary
