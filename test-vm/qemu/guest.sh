#!/bin/bash
# test-vm/qemu/guest.sh BIN: the real thing end to end in a qemu guest (Debian with systemd,
# cloud-init, Docker and iptables; see build-image.sh), booted as an EC2 instance would be from
# the production user data (docs/examples), with the fakes standing in for IMDS, S3 and the
# ECS control plane.  The agent is the real Amazon ECS agent ($REAL_AGENT_VERSION, sandbox/lib.sh),
# signed with the test key; it registers with the fake ECS, which places tasks through its ACS
# (build/task-probe: fetches its task role's credentials from 169.254.170.2, exits 0 when they
# are the ones ACS sent).
# SUITE (the environment): the guest's Debian suite, bookworm (the default), trixie or sid.
# Every suite:
#   instance 1 (docs/examples/user-data.sh, given ECS_BOOTSTRAP_BLOCK_IMDS=1 and the pinned
#     ECS_BOOTSTRAP_AGENT_VERSION=v$REAL_AGENT_VERSION; "latest" is a stand-in never fetched):
#     first boot, a bridge-mode task waiting for it; assertions; a host-mode task; (bookworm:
#     reboot, both again); the user data run again, every step skipped.  The IMDS block and the
#     pinned image hold throughout: ecs.service's `agent` runs with no options and uses the
#     ones the run saved.  The kernel enforces AppArmor (Debian's default): the agent runs
#     with ecs-bootstrap's ecs-agent-default profile (a host without AppArmor is the
#     sandbox's, test-vm/sandbox).  On sid, Docker runs as Engine 29 does
#     (containerd image store, API 1.44 and up): the image ids are containerd's.  The trixie
#     image has no Docker: the user data's run installs docker.io (the docker step) from a
#     package mirror the test serves (build-image.sh), enables and starts it.
#   The versions of what the guest runs are read from it and written to
#   build/tested-on/SUITE (scripts/tested-on.sh puts them in the README's table).
# bookworm also:
#   on instance 1, `systemctl restart ecs` and SIGKILL in the service step under real systemd;
#   then instance 1 is baked into an image (docs/examples/packer/bake.sh, CLUSTER=baked-cluster)
#     and powered off; two instances are made from its disk:
#   instance 2 (docs/examples/cloud-config.yaml, naming vm-cluster; the kernel's AppArmor off):
#     ecs.service's agent waits for the user data's run; registered exactly once, in vm-cluster
#     (never in baked-cluster), nothing downloaded; a task runs; the agent has no profile.
# (The snippet's retry on exit 111 is test-vm/sandbox/userdata.sh's; a run naming no cluster on
# an instance made from a baked image, test-vm/sandbox/bake.sh's.)
# Figures (boot to registered, to the first task running, reboot to registered, re-run) are
# printed as "# figure:" lines.  VM_SHARED=1: another guest runs at the same time (matrix.sh).
set -uo pipefail
BIN=${1:?usage: guest.sh BIN [FAULT_BIN]}
FBIN=${2:-$(dirname "$BIN")/ecs-bootstrap-fault}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
vm_init
T_TIMED=1
CLUSTER=vm-cluster VM_CLUSTERS=baked-cluster

bash "$HERE/build-image.sh" "$VMIMG" "$SUITE" || { echo "not ok 1 - guest image ($SUITE)"; echo "0 passed, 1 failed"; exit 1; }
echo "# qemu guest (TCG), Debian $SUITE, image $VMIMG"
FULL=; [ "$SUITE" = bookworm ] && FULL=1           # bookworm: restart, crashes, the baked image
CSTORE=; [ "$SUITE" = sid ] && CSTORE=1            # sid: the containerd image store
NODOCKER=; [ "$SUITE" = trixie ] && NODOCKER=1     # trixie: no Docker in the image; the run installs it
REBOOT=; [ "$SUITE" = bookworm ] && REBOOT=1       # bookworm only (CI's 40 minutes): the AppArmor profile and the rest after a reboot
vm_env_up "$BIN" || { echo "not ok 1 - host side (fakes, keys)"; echo "0 passed, 1 failed"; exit 1; }
PIN=v$REAL_AGENT_VERSION
real_agent_ok && publish_agent_file "ecs-agent-$PIN.tar" "$REAL_AGENT" ||
	{ echo "not ok 1 - the real agent, pinned"; echo "0 passed, 1 failed"; exit 1; }
PIN_ID=$(archive_image_id "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-$PIN.tar")
# under the containerd store, Docker's id is the manifest's digest: `image inspect` computes it
[ -n "$CSTORE" ] && PIN_ID=$("$BIN" image inspect "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-$PIN.tar" | sed -n 's/^containerd-id: //p' | head -1)
TASK_WAIT=180  # TCG: the agent creates, starts and reports a task in tens of seconds

# Poll inside the guest until the agent's introspection API names a container instance.
registered() { G -t 20 "curl -s -m 3 http://127.0.0.1:51678/v1/metadata" 2>/dev/null | grep -q '"ContainerInstanceArn":"arn:aws:ecs:'; }
wait_registered() { # LIMIT_S: seconds since $1 printed, or fail
	local t0=$1 limit=$2
	while [ "$(since "$t0" | cut -d. -f1)" -lt "$limit" ]; do registered && { since "$t0"; return 0; }; sleep 2; done
	return 1
}
guest_has() { G "$1" > "$W/g.out" 2>&1; grep -qF -- "$2" "$W/g.out" || { echo "want: $2"; cat "$W/g.out"; return 1; }; }
cloud_init_ok() { # finished, no error in any module or user script
	G -t 900 "cloud-init status --wait >/dev/null; cloud-init status --format json" > "$W/g.out" 2>&1
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["status"] == "done" and not d["errors"]))' "$W/g.out" ||
		{ G "tail -30 /var/log/cloud-init-output.log"; python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d.get("status"), d.get("errors"), d.get("recoverable_errors"))' "$W/g.out" 2>&1 || cat "$W/g.out"; return 1; }
}
expected_config() { # the seed's hand-set keys for the fake ECS (mkseed.py), kept; ours appended
	printf '%s\n' "# test only: the fake ECS" ECS_BACKEND_HOST=https://ecs.us-east-1.amazonaws.com \
		SSL_CERT_FILE=/etc/ecs/test-ca.pem ECS_ENABLE_TASK_ENI=false ECS_IMAGE_PULL_BEHAVIOR=prefer-cached \
		ECS_DATADIR=/data ECS_ENABLE_TASK_IAM_ROLE=true ECS_ENABLE_TASK_IAM_ROLE_NETWORK_HOST=true \
		ECS_LOGFILE=/log/ecs-agent.log 'ECS_AVAILABLE_LOGGING_DRIVERS=["json-file","syslog","awslogs","fluentd","none"]' ECS_LOGLEVEL=info \
		ECS_CLUSTER=$CLUSTER
}
config_as_rendered() { G "cat /etc/ecs/ecs.config" > "$W/g.out" 2>&1 && expected_config | diff - "$W/g.out"; }
rules_once() { # each of the two task-role NAT rules exactly once
	G "iptables -w -t nat -S" > "$W/g.out" 2>&1 || return 1
	[ "$(grep -c -- '-d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 127.0.0.1:51679' "$W/g.out")" = 1 ] &&
		[ "$(grep -c -- '-d 169.254.170.2/32 -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 51679' "$W/g.out")" = 1 ] ||
		{ cat "$W/g.out"; return 1; }
}
task_debug() { G "docker ps -a --format '{{.Names}} {{.Status}}'; tail -n 5 /var/log/ecs/ecs-agent.log" 2>&1 | cut -c1-300; }
# registered_once IID [CLUSTER]: the fake ECS registered instance IID exactly once, in CLUSTER
# (default $CLUSTER) and in no other, signed with the role's key; prints its ARN
registered_once() {
	ecs_calls RegisterContainerInstance | python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin if json.loads(l).get("ec2_instance_id") == sys.argv[2]]
new = [r for r in rs if r.get("new_instance")]
assert len(new) == 1 and new[0]["cluster"] == sys.argv[1] and new[0]["akid"] == "ASIATEMPORARYTEST01", rs
assert all(r["status"] == 200 and r["arn"] == new[0]["arn"] for r in rs), rs
print(new[0]["arn"])' "${2:-$CLUSTER}" "$1"
}
real_agent_meta() { # the agent's introspection API: ARN (from the fake), cluster, version
	G "curl -s -m 5 http://127.0.0.1:51678/v1/metadata" > "$W/g.out" 2>&1
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d.get("ContainerInstanceArn") == sys.argv[2] and d.get("Cluster") == sys.argv[3], d
assert d.get("Version", "").startswith("Amazon ECS Agent - v" + sys.argv[4] + " "), d' "$W/g.out" "$1" "$CLUSTER" "$REAL_AGENT_VERSION" ||
		{ cat "$W/g.out"; return 1; }
}
# first_running ARN: seconds from qemu's start to the fake's record of the task RUNNING
first_running() {
	ecs_calls SubmitTaskStateChange | python3 -c '
import datetime, json, sys
t = [json.loads(l)["time"] for l in sys.stdin if json.loads(l).get("task") == sys.argv[1] and json.loads(l).get("task_status") == "RUNNING"]
ts = datetime.datetime.strptime(t[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
print("%.1f" % (ts - float(sys.argv[2])))' "$1" "$VM_T0" 2>/dev/null
}
service_up() { guest_has "systemctl is-enabled ecs.service; systemctl is-active ecs.service" "enabled
active"; }
imds_blocked() { # the DOCKER-USER rule once, and a bridge-mode container cannot reach IMDS
	G "iptables -w -S DOCKER-USER" > "$W/g.out" 2>&1
	[ "$(grep -c -- '-A DOCKER-USER -d 169.254.169.254/32 -i docker+ -j DROP' "$W/g.out")" = 1 ] || { cat "$W/g.out"; return 1; }
	G -t 60 "docker run --rm --network bridge task-probe:latest connect 169.254.169.254 80; echo rc=\$?" > "$W/g.out" 2>&1
	grep -q '^rc=[1-9]' "$W/g.out" || { echo "a bridge-mode container reached IMDS:"; cat "$W/g.out"; return 1; }
}
pinned_runs() { # the ecs-agent container runs the pinned image
	G "docker inspect -f '{{.State.Running}} {{.Image}}' ecs-agent" > "$W/g.out" 2>&1
	grep -qx "true $PIN_ID" "$W/g.out" || { echo "want: true $PIN_ID"; cat "$W/g.out"; return 1; }
}

# ---- instance 1: the user-data snippet; a bridge-mode task waits in the fake's ACS for the agent
FIRST=$(place i1-bridge bridge ASIATASKROLEI1BRIDGE)
VM_APPARMOR=1 vm_boot i1 user-data i-0vmtest00000001 "" ECS_BOOTSTRAP_BLOCK_IMDS=1 ECS_BOOTSTRAP_AGENT_VERSION=$PIN || { echo "not ok 1 - boot"; exit 1; }
t "guest agent answers (the guest booted)" vm_wait_agent 600
boot_reg=$(wait_registered "$VM_T0" 900) || boot_reg=""
t "the real agent registered after the first boot" [ -n "$boot_reg" ]
echo "# figure: boot to registered ${boot_reg:-?} s (qemu start to the real agent's ARN, TCG)"
ARN1=$(registered_once i-0vmtest00000001)
t "the fake ECS: registered once, in $CLUSTER (ecs.config's cluster), signed with the role's key" [ -n "$ARN1" ]
t "the agent's introspection API: that ARN, $CLUSTER, version $REAL_AGENT_VERSION" real_agent_meta "$ARN1"
t "a bridge-mode task (placed before the boot): RUNNING, then STOPPED 0 with its role's credentials (PREROUTING DNAT)" \
	task_ended "$FIRST" 0
echo "# figure: boot to the first task RUNNING $(first_running "$FIRST" || echo ?) s (qemu start to the fake's record, TCG)"
t "cloud-init finished without error" cloud_init_ok
if [ -n "$NODOCKER" ]; then
	t "Docker was not in the image: the run installed docker.io (and docker-cli, apparmor) with apt-get, enabled and started it" \
		guest_has "grep -F 'docker: [finished]' /var/log/cloud-init-output.log" "installed docker.io docker-cli apparmor with apt-get"
	echo "# figure: Docker installed in $(G "grep -F 'docker: [finished]' /var/log/cloud-init-output.log" 2>/dev/null | sed -n 's/.*with apt-get (\([0-9]*\) s).*/\1/p') s (apt-get update, install docker.io docker-cli apparmor from the test's mirror, TCG)"
	t "... docker.service enabled and active" guest_has "systemctl is-enabled docker.service; systemctl is-active docker.service" "enabled
active"
	t "... from the test's package mirror (the guest's only source)" grep -q 'GET /.*docker\.io_.*\.deb HTTP/1\.1" 200' "$W/mirror.log"
fi
t "the user data printed the registration: the ARN the fake issued (ecs-bootstrap exited 0)" \
	guest_has "grep -F 'registered: cluster' /var/log/cloud-init-output.log" "registered: cluster $CLUSTER, ${ARN1:-?}"
t "the binary in place is the one published, sha256 checked" guest_has "sha256sum /usr/local/bin/ecs-bootstrap" "$BIN_SHA256"
t "ecs.service enabled and active" service_up
t "ecs.config as rendered" config_as_rendered
t "route_localnet=1" guest_has "cat /proc/sys/net/ipv4/conf/all/route_localnet" 1
t "task-role NAT rules, each once" rules_once
t "a host-mode task: RUNNING, then STOPPED 0 with its role's credentials (OUTPUT REDIRECT)" \
	task_ended "$(place i1-host host ASIATASKROLEI1HOST)" 0
t "--block-imds (from the environment): the rule, and a bridge-mode container cannot reach IMDS" imds_blocked
t "the pinned agent $PIN runs" pinned_runs
t "AppArmor enforcing (Docker says so)" guest_has "docker info --format '{{.SecurityOptions}}'" "name=apparmor"
t "ecs-bootstrap's profile loaded, enforcing" \
	guest_has "nsenter -t 1 -m grep '^ecs-agent-default ' /sys/kernel/security/apparmor/profiles" "ecs-agent-default (enforce)"
t "the agent container runs with it" guest_has "docker inspect -f '{{.AppArmorProfile}}' ecs-agent" "ecs-agent-default"
if [ -n "$CSTORE" ]; then
	t "Docker runs the containerd image store" guest_has "docker info --format '{{.DriverStatus}}'" "io.containerd.snapshotter.v1"
	t "Docker refuses API 1.43 (as Engine 29 does)" \
		guest_has "curl -s --unix-socket /var/run/docker.sock http://docker/v1.43/version" "too old"
fi
t "cgroup v2" guest_has "docker info --format 'cgroup v{{.CgroupVersion}}'" "cgroup v2"
# What this guest runs, read from it: build/tested-on/SUITE, for the README's table.
tested_on() {
	G ". /etc/os-release; echo \"debian=\$PRETTY_NAME\"; echo kernel=\$(uname -r)
		docker info --format 'docker={{.ServerVersion}}
image-store={{.DriverStatus}}
apparmor={{.SecurityOptions}}
cgroup=v{{.CgroupVersion}}'
		echo containerd=\$(containerd --version | cut -d' ' -f3)
		echo runc=\$(runc --version | sed -n '1s/^runc version //p')
		echo systemd=\$(systemctl --version | sed -n '1s/^systemd \\([0-9]*\\).*/\\1/p')
		echo cloud-init=\$(dpkg-query -W -f '\${Version}' cloud-init)
		echo iptables=\"\$(iptables --version | sed 's/^iptables //')\"" > "$W/g.out" 2>&1 || { cat "$W/g.out"; return 1; }
	grep -q '^docker=[0-9]' "$W/g.out" && grep -q '^systemd=[0-9]' "$W/g.out" && grep -q '^cloud-init=[0-9]' "$W/g.out" || { cat "$W/g.out"; return 1; }
	mkdir -p "$HERE/../../build/tested-on" && {
		echo "date=$(date -u +%Y-%m-%d)"
		sed -e '/^image-store=/{s/.*io\.containerd\.snapshotter.*/image-store=containerd/;t;s/.*/image-store=graphdriver/}' \
			-e '/^apparmor=/{s/.*name=apparmor.*/apparmor=enforcing/;t;s/.*/apparmor=off/}' "$W/g.out"
	} > "$HERE/../../build/tested-on/$SUITE"
}
t "the versions this guest runs, read from it (build/tested-on/$SUITE)" tested_on
sed 's/^/# tested-on: /' "$HERE/../../build/tested-on/$SUITE" 2>/dev/null
saved_options() {
	G "ecs-bootstrap options; test -e /etc/systemd/system/ecs.service.d && echo drop-in" > "$W/g.out" 2>&1
	printf '%s\n' "ECS_BOOTSTRAP_AGENT_VERSION=$PIN" ECS_BOOTSTRAP_KEYRING=/etc/ecs-bootstrap/keyring-1.gpg ECS_BOOTSTRAP_BLOCK_IMDS=1 |
		diff - <(grep -v '^#' "$W/g.out")
}
t "the run saved its options; ecs.service has no drop-in giving any" saved_options
t "status: every step converged, the agent container running" \
	guest_has "ECS_BOOTSTRAP_KEYRING=/etc/ecs-bootstrap-test/keyring.gpg ecs-bootstrap status" "running"

# ---- reboot: ecs.service re-applies the per-boot state, the agent comes back
KR=ECS_BOOTSTRAP_KEYRING=/etc/ecs-bootstrap-test/keyring.gpg
downloads() { grep -c "\"path\": \"/amazon-ecs-agent-us-east-1/$1\"" "$W/s3.log"; }
if [ -n "$REBOOT" ]; then
t0=$(date +%s.%N)
t "reboot: guest agent back" vm_reboot
reboot_reg=$(wait_registered "$t0" 600) || reboot_reg=""
t "reboot: the agent registered again" [ -n "$reboot_reg" ]
echo "# figure: reboot to registered ${reboot_reg:-?} s (reboot request to the agent's ARN, TCG)"
t "reboot: ecs.service enabled and active" service_up
t "reboot: route_localnet=1 again" guest_has "cat /proc/sys/net/ipv4/conf/all/route_localnet" 1
t "reboot: task-role NAT rules, each once" rules_once
t "reboot: the same container instance (no new registration)" [ "$(registered_once i-0vmtest00000001)" = "$ARN1" ]
t "reboot: a bridge-mode task STOPPED 0 with its credentials" task_ended "$(place i1-reboot-bridge bridge ASIATASKROLEI1RB)" 0
t "reboot: a host-mode task STOPPED 0 with its credentials" task_ended "$(place i1-reboot-host host ASIATASKROLEI1RH)" 0
t "reboot: the agent ran from the image already loaded (one download in all, never latest)" \
	[ "$(downloads "ecs-agent-$PIN.tar")/$(downloads ecs-agent-latest.tar)" = 1/0 ]
t "reboot: the IMDS block holds (ecs.service's agent did not remove it)" imds_blocked
t "reboot: the pinned agent runs" pinned_runs
t "reboot: the profile loaded again, enforcing, and the agent container runs with it" \
	guest_has "nsenter -t 1 -m grep '^ecs-agent-default ' /sys/kernel/security/apparmor/profiles; docker inspect -f '{{.AppArmorProfile}}' ecs-agent" "ecs-agent-default (enforce)
ecs-agent-default"
fi # REBOOT
if [ -n "$FULL" ]; then
started() { G "docker inspect -f '{{.Id}} {{.State.StartedAt}}' ecs-agent; systemctl show -p MainPID --value ecs.service" 2>/dev/null | tr '\n' ' '; }
before_restart=$(started)
t0=$(date +%s.%N)
t "systemctl restart ecs: exit 0" G -t 120 "systemctl restart ecs.service"
restart_reg=$(wait_registered "$t0" 300) || restart_reg=""
replaced() { local now; now=$(started); [ -n "$before_restart" ] && [ "$now" != "$before_restart" ] || { echo "before: $before_restart; now: $now"; return 1; }; }
t "systemctl restart ecs: a new supervisor and agent container (id, start time, MainPID changed)" replaced
t "systemctl restart ecs: registered again" [ -n "$restart_reg" ]
t "systemctl restart ecs: the IMDS block holds" imds_blocked
t "systemctl restart ecs: the pinned agent runs" pinned_runs
t "systemctl restart ecs: still no other download" [ "$(downloads "ecs-agent-$PIN.tar")/$(downloads ecs-agent-latest.tar)" = 1/0 ]

# ---- SIGKILL while the service step rewrites the binary or the unit (real systemd): the
# fault build (crash points compiled in) is killed there, then the release binary runs; the
# unit and the binary are exact again, enabled and active, nothing half-written left.
cp "$FBIN" "$W/s3/release-bucket/ecs-bootstrap/ecs-bootstrap-fault"
G "curl -fsS -o /root/fault ${BS_URL%/*}/ecs-bootstrap-fault && chmod 755 /root/fault && cp /usr/local/bin/ecs-bootstrap /root/release" > /dev/null
UNIT_SHA=$(G "sha256sum /etc/systemd/system/ecs.service" | cut -d' ' -f1)
for p in fileio-mid-write:/usr/local/bin/ecs-bootstrap fileio-mid-write:/etc/systemd/system/ecs.service \
	fileio-before-rename:/etc/systemd/system/ecs.service step-applied:service; do
	G "echo '# edited by hand' >> /etc/systemd/system/ecs.service; $KR BS_FAULT_POINT=$p /root/fault run --cluster $CLUSTER > /dev/null 2>&1; echo crash=\$?" > "$W/g.out"
	G "$KR /root/release run --cluster $CLUSTER > /root/after-crash.log 2>&1; echo rerun=\$?; sha256sum /etc/systemd/system/ecs.service /usr/local/bin/ecs-bootstrap; systemctl is-enabled ecs.service; systemctl is-active ecs.service; find /etc/systemd/system /usr/local/bin -name '*.tmp*' | wc -l" >> "$W/g.out"
	crash_ok() {
		grep -qx crash=137 "$W/g.out" && grep -qx rerun=0 "$W/g.out" && grep -q "^$UNIT_SHA " "$W/g.out" &&
			grep -q "^$BIN_SHA256 " "$W/g.out" && grep -qx enabled "$W/g.out" && grep -qx active "$W/g.out" &&
			[ "$(tail -1 "$W/g.out")" = 0 ] || { cat "$W/g.out"; return 1; }
	}
	t "SIGKILL at $p (systemd): the re-run restores unit and binary, enabled, active, no .tmp" crash_ok
done

fi # FULL

# ---- the user data again, as on a re-run: every step skipped, fast
rerun() {
	G -t 300 "s=\$(date +%s%N); sh /var/lib/cloud/instance/scripts/part-002 > /root/rerun.log 2>&1; rc=\$?; e=\$(date +%s%N); echo rc=\$rc ms=\$(( (e - s) / 1000000 ))" > "$W/g.out" 2>&1
	G "cat /root/rerun.log" > "$W/rerun.log" 2>&1
	grep -q '^rc=0 ' "$W/g.out" || { cat "$W/g.out" "$W/rerun.log"; return 1; }
}
t "user data again: exit 0" rerun
all_skipped() { # no stateful step changed anything; all eight said "already converged"
	! grep -E '(options|sysctl|nat|docker|ecs-config|agent-image|host-dirs|service): \[finished\]' "$W/rerun.log" &&
		[ "$(grep -c 'already converged' "$W/rerun.log")" = 8 ] || { cat "$W/rerun.log"; return 1; }
}
t "user data again: every stateful step [skipped]" all_skipped
guest_ms() { G "s=\$(date +%s%N); $1 >/dev/null 2>&1; rc=\$?; e=\$(date +%s%N); echo \$rc \$(( (e - s) / 1000000 ))"; } # CMD: "rc ms"
RUN="ECS_BOOTSTRAP_KEYRING=/etc/ecs-bootstrap-test/keyring.gpg ecs-bootstrap run --cluster $CLUSTER --wait=300"
# The processes a converged run starts (three iptables-save and one systemctl, step_nat.c and
# step_service.c), timed the same way: what this guest's speed at this moment costs any run.
REF="iptables-save -t nat; iptables-save -t filter; ip6tables-save -t filter; systemctl show -p UnitFileState -p ActiveState ecs.service"
best="" ref=""
for _ in 1 2 3 4 5; do
	read -r brc bms < <(guest_ms "$RUN")
	[ "$brc" = 0 ] || break
	[ -z "$best" ] || [ "$bms" -lt "$best" ] && best=$bms
	read -r rrc rms < <(guest_ms "{ $REF; }")
	[ "$rrc" = 0 ] && { [ -z "$ref" ] || [ "$rms" -lt "$ref" ]; } && ref=$rms
done
snippet_ms=$(sed -n 's/.* ms=//p' "$W/g.out")
# The bound: 1 s (2 s with VM_SHARED=1, matrix.sh: another guest shares the machine's two
# cores).  Under TCG this machine's speed varies about twofold from day to day, and a process
# start costs 50-200 ms, so on a slow day the bound is three times what those processes took
# just now, when that is more: a run that did any real work (hashing or loading the 82 MiB
# image, a download) takes seconds either way.
bound=1000; [ -n "${VM_SHARED:-}" ] && bound=2000
[ -n "$ref" ] && [ $((3 * ref)) -gt "$bound" ] && bound=$((3 * ref))
t "converged run inside the guest under $bound ms (best of 5: ${best:-?} ms; the processes it starts: ${ref:-?} ms)" [ "${best:-99999}" -lt "$bound" ]
echo "# figure: converged re-run in the guest: ecs-bootstrap run --wait ${best:-?} ms (best of 5; the three iptables-save and one systemctl it starts: ${ref:-?} ms), the whole user data again ${snippet_ms:-?} ms (download included)"

[ -n "$FULL" ] || { vm_stop; t_summary; exit; }

# ---- instance 1 baked into an image, as the Packer example does it, with a cluster baked in
cp "$HERE/../../docs/examples/packer/bake.sh" "$W/s3/release-bucket/test/bake.sh"
G -t 300 "curl -fsS -o /root/bake.sh ${BS_URL%/ecs-bootstrap/*}/test/bake.sh && BS_URL=$BS_URL BS_SHA256=$BIN_SHA256 CLUSTER=baked-cluster $KR sh /root/bake.sh > /root/bake.log 2>&1; echo rc=\$?" > "$W/g.out" 2>&1
baked() {
	grep -qx rc=0 "$W/g.out" && guest_has "test -s /var/lib/ecs-bootstrap/baked && grep -x ECS_CLUSTER=baked-cluster /etc/ecs/ecs.config; docker ps -aq | wc -l; systemctl is-enabled ecs.service" "ECS_CLUSTER=baked-cluster
0
enabled" || { G "tail -5 /root/bake.log"; return 1; }
}
t "bake (docs/examples/packer/bake.sh, CLUSTER=baked-cluster): exit 0, the cluster kept, no container, ecs.service enabled, the marker" baked
t "the baked instance powers off cleanly (its disk becomes the image)" vm_poweroff
DL_BAKE=$(downloads "ecs-agent-$PIN.tar")/$(downloads ecs-agent-latest.tar)

# ---- instance 2 from the image: its user data (cloud-config.yaml) names vm-cluster
VM_BASE=$W/i1.qcow2 vm_boot i2 cloud-config i-0vmtest00000002 || { echo "not ok - boot 2"; exit 1; }
t "image, instance 2: guest agent answers" vm_wait_agent 600
i2_reg=$(wait_registered "$VM_T0" 900) || i2_reg=""
t "image, instance 2: the agent registered" [ -n "$i2_reg" ]
echo "# figure: boot of an instance made from the baked image to registered ${i2_reg:-?} s (TCG)"
t "image, instance 2: registered exactly once, in vm-cluster (its user data's), never in baked-cluster" \
	[ -n "$(registered_once i-0vmtest00000002 vm-cluster)" ]
t "image, instance 2: ecs.service's agent waited for the user data's run" \
	guest_has "journalctl -u ecs.service --no-pager | grep -c 'before its first run: the agent waits'" 1
t "image, instance 2: cloud-init finished without error" cloud_init_ok
t "image, instance 2: nothing downloaded (the image holds the agent)" [ "$(downloads "ecs-agent-$PIN.tar")/$(downloads ecs-agent-latest.tar)" = "$DL_BAKE" ]
t "image, instance 2: a bridge-mode task STOPPED 0 with its credentials" task_ended "$(place i2-bridge bridge ASIATASKROLEI2)" 0
t "image, instance 2 (booted with AppArmor off, its profile still in /etc/apparmor.d): the agent runs with none" \
	guest_has "docker inspect -f 'profile=[{{.AppArmorProfile}}]' ecs-agent; test -s /etc/apparmor.d/ecs-agent-default && echo file" "profile=[]
file"
vm_stop

t_summary
