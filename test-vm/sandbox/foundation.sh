#!/bin/bash
# test-vm/sandbox/foundation.sh BIN FAULT_BIN BACKEND
# The foundation steps (preflight, sysctl, nat, ecs-config) of the real static binary in
# a namespace sandbox with real iptables (BACKEND: nft or legacy) and real sysctl.
# Prints TAP lines and a closing "N passed, N failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
# No IMDS in this suite (as on a machine outside EC2): the region comes from AWS_REGION.
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)

sbx_suite "foundation" "$@"
HOST_RL=$(cat /proc/sys/net/ipv4/conf/all/route_localnet)

run() { IN "$BIN" "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
count_rule() { # TOOL TABLE LINE -> prints how many times LINE is in TOOL-save -t TABLE
	IN "$1-save" -t "$2" | grep -cxF -- "$3"; }
once() { local n; n=$(count_rule "$@"); [ "$n" = 1 ] || { echo "'$3' present $n times"; return 1; }; }
absent() { local n; n=$(count_rule "$@"); [ "$n" = 0 ] || { echo "'$3' present $n times"; return 1; }; }
R_DNAT='-A PREROUTING -d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:51679'
R_REDIR='-A OUTPUT -d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 51679'
R_INTRO='-A INPUT ! -i lo -p tcp -m tcp --dport 51678 -j DROP'
R_LOCAL='-A INPUT ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP'
R_IMDS='-A DOCKER-USER -d 169.254.169.254/32 -i docker+ -j DROP'
all_rules_once() {
	once iptables nat "$R_DNAT" && once iptables nat "$R_REDIR" && once iptables filter "$R_INTRO" &&
	once iptables filter "$R_LOCAL" && once ip6tables filter "$R_INTRO"
}
input_order() { # ecs-init's order: introspection DROP above the localhost filter
	IN iptables-save -t filter | grep -nxF -e "$R_INTRO" -e "$R_LOCAL" | cut -d: -f2- | tr '\n' '|' |
		grep -qxF -e "$R_INTRO|$R_LOCAL|"; }
expected_config() { # with the real agent, the keys the sandbox set by hand for it (lib.sh use_real), kept; ours appended
	if [ "$SBX_AGENT" = real ]; then
		printf '%s\n' "# this test's agent image: no CNI plugins" "${SBX_REAL_CONFIG[@]}"
	else
		printf '%s\n' "# /etc/ecs/ecs.config, written by ecs-bootstrap." \
			"# Keys set here by hand are kept on every run; --cluster and --set override them." \
			"# Syntax: docker run --env-file (KEY=VALUE, values literal, '#' starts a comment line)."
	fi
	cat <<'EOC'
ECS_DATADIR=/data
ECS_ENABLE_TASK_IAM_ROLE=true
ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=true
ECS_LOGFILE=/log/ecs-agent.log
ECS_AVAILABLE_LOGGING_DRIVERS=["json-file","syslog","awslogs","fluentd","none"]
ECS_LOGLEVEL=info
ECS_CLUSTER=sbx-cluster
ECS_RESERVED_MEMORY=32
EOC
}
config_is_expected() { expected_config | cmp - "$W/etc.upper/ecs/ecs.config"; }
mode_is() { [ "$(stat -c %a "$W/etc.upper/ecs/ecs.config")" = "$1" ]; }

# ---- the release binary needs no libc: it runs in an empty root
if file -L "$BIN" | grep -q 'statically linked'; then
	mkdir -p "$W/empty"; cp "$BIN" "$W/empty/ecs-bootstrap"
	t "static binary runs in an empty chroot (no libc, no /etc)" chroot "$W/empty" /ecs-bootstrap --version
else
	echo "# $BIN is not a static build (sanitizer run?): the empty-chroot check is skipped"
fi

# ---- first run
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "first run exits 0" rc 0
t "each step logs [started] then [finished] (docker: [skipped], Docker is there)" bash -c "grep -c '\\[started\\]' $W/out | grep -qx 10 && grep -c '\\[finished\\]' $W/out | grep -qx 9 && grep -q 'docker: \\[skipped\\]' $W/out"
t "every rule present exactly once ($BACKEND)" all_rules_once
t "INPUT rules in ecs-init's order" input_order
t "no IMDS block without --block-imds" absent iptables filter "$R_IMDS"
t "route_localnet=1 in the sandbox" [ "$(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)" = 1 ]
t "host route_localnet untouched" [ "$(cat /proc/sys/net/ipv4/conf/all/route_localnet)" = "$HOST_RL" ]
t "sysctl.d file written, exact content" grep -qx 'net.ipv4.conf.all.route_localnet = 1' "$W/etc.upper/sysctl.d/80-ecs-bootstrap.conf"
t "/etc/sysctl.conf not touched" [ ! -e "$W/etc.upper/sysctl.conf" ]
t "ecs.config as rendered" config_is_expected
t "ecs.config mode 0644 without secrets" mode_is 644
t "host /etc untouched" [ ! -e /etc/ecs/ecs.config ]
t "checkpoints written for the 8 stateful steps" bash -c "ls $W/varlib.upper/ecs-bootstrap/state | sort | tr '\n' ' ' | grep -qx 'agent-image docker ecs-config host-dirs nat options service sysctl '"
t "the agent image is loaded and tagged" [ "$(image_id_of amazon/amazon-ecs-agent:latest)" = "$AGENT_ID" ]
policy_of() { docker_api http://d/containers/ecs-agent/json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["State"]["Running"], d["HostConfig"]["RestartPolicy"])'; }
t "no systemd: the agent container runs under Docker's restart policy on-failure:10" [ "$(policy_of)" = "True {'Name': 'on-failure', 'MaximumRetryCount': 10}" ]
t "no systemd: the run says so" grep -q 'no systemd here: Docker supervises the agent' "$W/out"
first_run_cluster() {
	for _ in $(seq 100); do IN curl -s -m 3 http://127.0.0.1:51678/v1/metadata | grep -q '"Cluster":"sbx-cluster"' && return 0; sleep 0.1; done
	IN curl -s -m 3 http://127.0.0.1:51678/v1/metadata; return 1
}
t "the agent started by the first run already has the cluster that run wrote" first_run_cluster

# ---- second run: everything skipped, nothing changes
rules_of() { IN "$1" | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; }  # no comments, no packet counters
H1=$(sbx_fs_hash); S1=$(rules_of iptables-save); S16=$(rules_of ip6tables-save)
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "re-run exits 0" rc 0
t "re-run: every stateful step [skipped]" bash -c "grep -c '\\[skipped\\] already converged' $W/out | grep -qx 8"
t "re-run: no [finished] for a stateful step" bash -c "! grep -E '(sysctl|nat|docker|ecs-config|agent-image|host-dirs|service): \\[finished\\]' $W/out"
t "re-run: files byte-identical" [ "$(sbx_fs_hash)" = "$H1" ]
t "re-run: iptables-save identical" [ "$(rules_of iptables-save)" = "$S1" ]
t "re-run: ip6tables-save identical" [ "$(rules_of ip6tables-save)" = "$S16" ]
run plan --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "plan: exit 0, nothing to do" rc 0
run status
t "status: exit 0, all converged" rc 0
t "status: table lists nat converged with its scope" bash -c "grep -E '^nat +converged +boot' $W/out"

# ---- plan shows pending changes and changes nothing
run plan --cluster other-cluster --set ECS_RESERVED_MEMORY=32
t "plan with a new cluster: exit 1" rc 1
t "plan names the change" has "ecs-config   would change"
t "plan changed nothing" [ "$(sbx_fs_hash)" = "$H1" ]

# ---- simulated reboot: per-boot steps converge again, per-instance ones stay skipped
sbx_reboot
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "after reboot: exit 0" rc 0
t "after reboot: sysctl [finished]" has "sysctl: [finished]"
t "after reboot: nat [finished]" has "nat: [finished]"
t "after reboot: ecs-config [skipped]" has "ecs-config: [skipped] already converged"
t "after reboot: rules back exactly once" all_rules_once
t "after reboot: route_localnet=1" [ "$(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)" = 1 ]
t "after reboot: ecs.config unchanged" config_is_expected

# ---- functional NAT: the agent (started by the service step, host network) answers credential
# requests on 127.0.0.1:51679; 169.254.170.2:80 must reach it.  An id no task has: the agent's own
# refusal proves the path (realagent.sh fetches a task's real credentials)
for _ in $(seq 100); do IN curl -s -o /dev/null http://127.0.0.1:51679/ && break; sleep 0.05; done
agent_refusal() { # the real agent's refusal, or the stand-in's canned answer (valgrind run)
	grep -q "$([ "$SBX_AGENT" = real ] && echo 'Credentials not found' || echo ASIASTANDIN)" || { echo "not the agent's answer"; return 1; }
}
creds_from_instance() { IN curl -sS -m 3 http://169.254.170.2/v2/credentials/x | agent_refusal; }
creds_from_task() { ip netns exec "$TNS" curl -sS -m 3 http://169.254.170.2/v2/credentials/x | agent_refusal; }
t "OUTPUT REDIRECT: the instance reaches the agent's credentials at 169.254.170.2" creds_from_instance
t "PREROUTING DNAT: a task namespace reaches them over the veth" creds_from_task
IN sh -c 'echo 0 > /proc/sys/net/ipv4/conf/all/route_localnet'
t "PREROUTING DNAT fails with route_localnet=0 (the test can fail)" \
	bash -c "! ip netns exec $TNS curl -sS -m 2 http://169.254.170.2/"
t "off-host introspection port 51678 is dropped from the task namespace" \
	bash -c "! ip netns exec $TNS curl -sS -m 2 http://10.200.0.1:51678/"
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "route_localnet restored by the next run" [ "$(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)" = 1 ]

# ---- configuration knobs: rules follow ecs.config; --block-imds
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32 --set ECS_SKIP_LOCALHOST_TRAFFIC_FILTER=true --block-imds
t "knobs: exit 0" rc 0
t "ECS_SKIP_LOCALHOST_TRAFFIC_FILTER=true removes the localhost filter" absent iptables filter "$R_LOCAL"
t "--block-imds adds the DOCKER-USER rule once" once iptables filter "$R_IMDS"
IN iptables -w -t nat -A OUTPUT -p tcp -d 169.254.170.2 --dport 80 -j REDIRECT --to-ports 51679
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32 --block-imds
t "a rule duplicated by hand is removed" once iptables nat "$R_REDIR"
t "the knob persists in ecs.config, so the filter stays off" absent iptables filter "$R_LOCAL"
t "hand-set key kept in ecs.config" grep -qx 'ECS_SKIP_LOCALHOST_TRAFFIC_FILTER=true' "$W/etc.upper/ecs/ecs.config"
IN sed -i '/ECS_SKIP_LOCALHOST_TRAFFIC_FILTER/d' /etc/ecs/ecs.config
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "a run without --block-imds keeps the saved switch: the rule stays" once iptables filter "$R_IMDS"
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32 --no-block-imds
t "back to defaults (--no-block-imds): IMDS rule removed" absent iptables filter "$R_IMDS"
t "back to defaults: all rules once" all_rules_once
t "back to defaults: INPUT rules in order" input_order

# ---- secrets: 0600 and never in the log
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32 --set 'ECS_ENGINE_AUTH_DATA={"r":{"auth":"SeCrEt-c2VjcmV0"}}' -v
t "secret: exit 0" rc 0
t "secret: ecs.config is 0600" mode_is 600
t "secret: value not in the log" bash -c "! grep -q SeCrEt $W/out"
IN "$BIN" config show >"$W/show" 2>&1
t "config show masks the secret" bash -c "grep -qx 'ECS_ENGINE_AUTH_DATA=<masked, [0-9]* bytes>' $W/show && ! grep -q SeCrEt $W/show"
IN "$BIN" config show --show-secrets >"$W/show" 2>&1
t "config show --show-secrets shows it" grep -q SeCrEt "$W/show"
no_secret_in_status() { ! { IN "$BIN" status; IN "$BIN" plan; } 2>&1 | grep -q SeCrEt; }
t "status and plan do not show it" no_secret_in_status
IN sed -i '/ECS_ENGINE_AUTH_DATA/d' /etc/ecs/ecs.config
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "without the secret: stays 0600 (an existing mode is never widened)" mode_is 600

# ---- bad input: clear message, right exit code, nothing changed
sbx_reboot   # pending per-boot work, so "nothing changed" is a real check
H2=$(sbx_fs_hash); RL0=$(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)
unchanged() { [ "$(sbx_fs_hash)" = "$H2" ] && [ "$(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)" = "$RL0" ] &&
	[ -z "$(IN iptables-save -t nat | grep 169.254.170.2)" ]; }
IN setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" run >"$W/out" 2>&1; echo $? >"$W/rc"
t "non-root: exit 100" rc 100
t "non-root: says why" has "must run as root"
t "non-root: nothing changed" unchanged
run run --set NOEQUALS
t "--set without '=': exit 100" rc 100
t "--set without '=': says KEY=VALUE" has "expected KEY=VALUE"
run run --set 'A B=1'
t "--set key with a blank: exit 100" rc 100
run run --set "$(printf 'A=1\nECS_CLUSTER=evil')"
t "--set value with a newline: exit 100" rc 100
t "--set value with a newline: says why" has "line break"
run run --cluster 'bad name!'
t "--cluster with bad characters: exit 100" rc 100
run run --frobnicate
t "unknown option: exit 100 and usage" bash -c "grep -q '^usage:' $W/out && [ \$(cat $W/rc) = 100 ]"
t "bad usage: nothing changed" unchanged
cp "$W/etc.upper/ecs/ecs.config" "$W/good.config"
IN sh -c 'printf "ECS_CLUSTER=x\nBAD KEY=1\n" > /etc/ecs/ecs.config'
H3=$(sbx_fs_hash)
run run
t "ecs.config key with a blank: exit 100" rc 100
t "ecs.config key with a blank: names the line" has "line 2: variable 'BAD KEY' contains whitespaces"
same_as_h3() { [ "$(sbx_fs_hash)" = "$H3" ] && [ "$(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)" = "$RL0" ]; }
t "ecs.config key with a blank: file and route_localnet unchanged" same_as_h3
IN cp "$W/good.config" /etc/ecs/ecs.config
IN unshare -m sh -c "mount -t tmpfs none /usr/sbin && exec $BIN run" >"$W/out" 2>&1; echo $? >"$W/rc"
t "iptables missing: exit 100" rc 100
t "iptables missing: says how to install it" has "iptables is not installed"
t "iptables missing: route_localnet unchanged" [ "$(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)" = "$RL0" ]

# ---- one run at a time
IN_BG flock /run/ecs-bootstrap.lock sleep 5
LOCKER=$BG_PID; sleep 0.3
run run --lock-timeout 1 --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "lock held: exit 111 after the bounded wait" rc 111
t "lock held: says another run holds it" has "another ecs-bootstrap holds"
kill "$LOCKER" 2>/dev/null; wait "$LOCKER" 2>/dev/null
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "lock free again: exit 0" rc 0

# ---- two runs at once (after a reboot, so both have work): one waits, both converge
sbx_reboot
IN_BG "$BIN" run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32 >"$W/c1" 2>&1; P1=$BG_PID
IN_BG "$BIN" run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32 >"$W/c2" 2>&1; P2=$BG_PID
wait "$P1"; r1=$?; wait "$P2"; r2=$?
t "two runs at once: both exit 0" [ "$r1$r2" = 00 ]
# (that the second one waits is shown by the lock test above, which holds the lock itself)
t "two runs at once: every rule exactly once" all_rules_once
t "two runs at once: ecs.config as expected" config_is_expected

# ---- crash consistency of the ecs.config write (test build with crash points)
OLD=$(sha256sum < "$W/etc.upper/ecs/ecs.config")
for point in fileio-mid-write fileio-before-fsync fileio-before-rename; do
	IN env BS_FAULT_POINT="$point:/etc/ecs/ecs.config" "$FBIN" run --cluster crash-cluster --set ECS_RESERVED_MEMORY=32 >"$W/out" 2>&1
	echo $? >"$W/rc"
	t "SIGKILL at $point: the process died by SIGKILL" rc 137
	t "SIGKILL at $point: ecs.config is the old file, whole" [ "$(sha256sum < "$W/etc.upper/ecs/ecs.config")" = "$OLD" ]
done
run run --cluster crash-cluster --set ECS_RESERVED_MEMORY=32
t "after the crashes: re-run exits 0" rc 0
t "after the crashes: new cluster in place" grep -qx 'ECS_CLUSTER=crash-cluster' "$W/etc.upper/ecs/ecs.config"
t "after the crashes: no .tmp left" bash -c "! ls $W/etc.upper/ecs/ | grep -q tmp"
# Random SIGKILLs against the release binary: every observed file is one of the two versions.
bad=0 killed=0
for i in $(seq 1 30); do
	c=$([ $((i % 2)) = 0 ] && echo alpha || echo beta)
	# nsenter and env exec the binary, so $p is the binary itself
	nsenter -t "$HOLDER" -m -n -- env "${SBX_ENV[@]}" "$BIN" run --cluster "$c" --set ECS_RESERVED_MEMORY=32 >/dev/null 2>&1 &
	p=$!; sleep "0.00$((RANDOM % 9))"; kill -9 "$p" 2>/dev/null && killed=$((killed + 1)); wait "$p" 2>/dev/null
	f="$W/etc.upper/ecs/ecs.config"
	grep -qxE 'ECS_CLUSTER=(alpha|beta|crash-cluster)' "$f" && [ "$(grep -c '' "$f")" = 11 ] || { bad=$((bad + 1)); cat "$f"; }
done
t "30 random SIGKILLs of the release binary ($killed landed while it ran): ecs.config always whole ($bad bad)" [ "$bad" = 0 ]
t "most of the random SIGKILLs landed while the binary ran ($killed of 30)" [ "$killed" -ge 15 ]
run run --cluster sbx-cluster --set ECS_RESERVED_MEMORY=32
t "and the next run converges" rc 0
t "and the next run converges to the expected config" config_is_expected

t_summary
