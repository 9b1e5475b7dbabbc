#!/bin/bash
# test-vm/sandbox/lib.sh: a throw-away "instance" for the real static binary.
#
#   sbx_up BACKEND     network namespace $NS (lo, a veth to a second "task" namespace $TNS,
#                      default routes both ways) and a private mount namespace held by a
#                      sleeper: overlays on /etc, /var/lib, /var/cache, /var/log, /usr/local/bin (where the
#                      service step and the user data install the binary) and /root (Docker's
#                      config.json); every write lands in $W/*.upper,
#                      the host is untouched), tmpfs on /run, a fake boot id bound over
#                      /proc/sys/kernel/random/boot_id, cloud-init's instance id, and the
#                      iptables alternative switched to BACKEND (nft | legacy) inside the overlay.
#   IN CMD...          run CMD inside both namespaces (IN_BG: in the background, PID in BG_PID)
#   sbx_reboot         what a reboot does to per-boot state: flush the rules, route_localnet=0,
#                      a new boot id
#   sbx_down           kill what we started (by PID), delete the namespaces, remove $W
#   t NAME CMD...      one TAP assertion; t_summary prints "N passed, N failed"
# Learnt the hard way (shared/prototypes/README.md): use nsenter, not `ip netns exec`, for
# processes that must see the private mounts; a namespace needs a route for 169.254.170.2.
set -uo pipefail

SBX_PIDS=()
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

SBX_ENV=()  # extra environment for every command run in the sandbox
IN() { nsenter -t "$HOLDER" -m -n -- env "${SBX_ENV[@]}" "$@"; }
# Start CMD in the sandbox in the background, as a direct child (nsenter and env exec the
# command, so BG_PID is the command itself and sbx_down can stop it by PID).
IN_BG() { nsenter -t "$HOLDER" -m -n -- env "${SBX_ENV[@]}" "$@" & BG_PID=$!; SBX_PIDS+=("$BG_PID"); }

new_boot_id() { cat /proc/sys/kernel/random/uuid > "$W/boot_id"; }

sbx_up() {
	local backend=$1
	W=$(mktemp -d /tmp/ecs-sbx.XXXXXX)
	mkdir -p "$W"/{etc,varlib,varcache,varlog,usrlocalbin,root}.{upper,work}
	NS=ecs-sbx-$$; TNS=ecs-task-$$; VH=vh$$; VT=vt$$
	ip netns add "$NS" && ip netns add "$TNS" || return 1
	ip -n "$NS" link set lo up; ip -n "$TNS" link set lo up
	ip link add "$VH" netns "$NS" type veth peer name "$VT" netns "$TNS"
	ip -n "$NS" addr add 10.200.0.1/24 dev "$VH"; ip -n "$NS" link set "$VH" up
	ip -n "$TNS" addr add 10.200.0.2/24 dev "$VT"; ip -n "$TNS" link set "$VT" up
	ip -n "$NS" route add default via 10.200.0.2   # stands in for the VPC route
	ip -n "$TNS" route add default via 10.200.0.1  # the "container" routes via the instance
	new_boot_id
	nsenter --net=/run/netns/"$NS" unshare --mount --propagation private sleep infinity &
	HOLDER=$!
	SBX_PIDS+=("$HOLDER")
	for _ in $(seq 50); do [ "$(readlink /proc/$HOLDER/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] && break; sleep 0.02; done
	IN bash -euc "
		mount -t overlay overlay -o lowerdir=/etc,upperdir=$W/etc.upper,workdir=$W/etc.work /etc
		mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$W/varlib.upper,workdir=$W/varlib.work /var/lib
		mount -t overlay overlay -o lowerdir=/var/cache,upperdir=$W/varcache.upper,workdir=$W/varcache.work /var/cache
		mount -t overlay overlay -o lowerdir=/var/log,upperdir=$W/varlog.upper,workdir=$W/varlog.work /var/log
		mount -t overlay overlay -o lowerdir=/usr/local/bin,upperdir=$W/usrlocalbin.upper,workdir=$W/usrlocalbin.work /usr/local/bin
		mount -t overlay overlay -o lowerdir=/root,upperdir=$W/root.upper,workdir=$W/root.work /root
		mount -t tmpfs tmpfs /run
		mount --bind $W/boot_id /proc/sys/kernel/random/boot_id
		mkdir -p /var/lib/cloud/data; echo i-0sandbox$$ > /var/lib/cloud/data/instance-id
		for t in iptables ip6tables; do
			for s in '' -save -restore; do ln -sfn /usr/sbin/\$t-$backend\$s /etc/alternatives/\$t\$s; done
		done
		rm -f /etc/ecs/ecs.config /etc/sysctl.d/80-ecs-bootstrap.conf
		rm -rf /var/lib/ecs-bootstrap
	" || return 1
	IN iptables -V | grep -q "$([ "$backend" = nft ] && echo nf_tables || echo legacy)" || { echo "backend switch failed"; return 1; }
}

sbx_reboot() {
	IN iptables -w -t nat -F; IN iptables -w -t filter -F
	IN ip6tables -w -t filter -F 2>/dev/null || true
	IN sh -c 'echo 0 > /proc/sys/net/ipv4/conf/all/route_localnet'
	new_boot_id
}

# sbx_aws_up: the fake AWS side inside the sandbox: a test CA in the system bundle, a fake
# IMDSv2 on 169.254.169.254:80, a fake S3 over TLS on 127.0.0.1:443 (names in /etc/hosts;
# objects under $W/s3/BUCKET/KEY; faults from $W/faults.json), the same S3 with a rogue CA
# on :8443, and a CONNECT proxy on :3128.  Logs in $W/{imds,s3,rogue,proxy}.log.
FAKE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fakeaws" && pwd)
start() { # NAME CMD...: run CMD in the sandbox in the background, log to $W/NAME.log
	local name=$1; shift
	IN_BG "$@" >>"$W/$name.log" 2>&1
	eval "PID_$name=$BG_PID"
}
sbx_aws_up() {
	sh "$FAKE/gen-certs.sh" "$W/tls" || return 1
	mkdir -p "$W/s3"
	echo '{}' > "$W/faults.json"
	IN bash -euc "
		ip addr add 169.254.169.254/32 dev lo
		echo '127.0.0.1 s3.amazonaws.com s3.us-east-1.amazonaws.com test-bucket.s3.us-east-1.amazonaws.com wrong-name.example.test' >> /etc/hosts
		cat $W/tls/ca.crt >> /etc/ssl/certs/ca-certificates.crt
	" || return 1
	start imds python3 "$FAKE/fake_aws.py" imds --bind 169.254.169.254 --port 80 --faults "$W/faults.json"
	start s3 python3 "$FAKE/fake_aws.py" s3 --bind 127.0.0.1 --port 443 --root "$W/s3" --anonymous-read \
		--cert "$W/tls/s3.crt" --key "$W/tls/s3.key" --faults "$W/faults.json"
	start rogue python3 "$FAKE/fake_aws.py" s3 --bind 127.0.0.1 --port 8443 --root "$W/s3" --anonymous-read \
		--cert "$W/tls/rogue.crt" --key "$W/tls/rogue.key"
	start proxy python3 "$FAKE/proxy.py" --bind 127.0.0.1 --port 3128
	for _ in $(seq 100); do
		IN curl -s -o /dev/null http://169.254.169.254/ && IN curl -s -o /dev/null https://s3.us-east-1.amazonaws.com/ &&
			IN curl -s -o /dev/null http://127.0.0.1:3128/ && return 0
		sleep 0.1
	done
	echo "fake AWS endpoints did not come up"; return 1
}

# sbx_agent_up: a real dockerd in the sandbox (data under $W/docker, socket /run/docker.sock),
# a throw-away OpenPGP key (gpg), and the agent image signed with it and published where the
# default URL for us-east-1 points: s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar
# (+ .asc).  Needs sbx_aws_up.  Sets AGENT_ID (the image id), AGENT_KEYRING, and
# ECS_BOOTSTRAP_KEYRING in SBX_ENV.  Which agent: SBX_AGENT (set before sbx_suite)
#   real (default)  the real Amazon ECS agent (REAL_AGENT, below), a fake ECS control plane for
#                   it (sbx_ecs_up; SBX_ECS_ARGS: more fake_aws.py ecs options; ACS tasks from
#                   $W/tasks), and /etc/ecs/ecs.config holding, as an operator's own keys (every
#                   run keeps them), what this test image of the agent needs: SBX_REAL_CONFIG
#   standin         the stand-in (test-vm/agent/standin.c), for a fault the real agent cannot be
#                   made to produce: SBX_STANDIN_WHY says which, and the suite prints it
# The stand-in is published as STANDIN_ID either way (use_standin switches a real suite to it).
SBX_AGENT=${SBX_AGENT:-real}
SBX_ECS_ARGS=()
# the agent built from source carries no CNI plugins (Amazon's image does): no awsvpc here
SBX_REAL_CONFIG=(ECS_ENABLE_TASK_ENI=false ECS_IMAGE_PULL_BEHAVIOR=prefer-cached)
STANDIN=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/standin-agent
publish_agent() { # NAME [mkimage options...]: build, sign with the test key, put in the agent bucket
	# (tagged $PUBLISH_TAG, default amazon/amazon-ecs-agent:latest; its image ids, one a line, in $W/agent-build.id)
	local name=$1; shift
	# the stand-in agent (make build/standin-agent), plus random bytes so every image differs
	[ -x "$STANDIN" ] || { echo "missing $STANDIN (make build/standin-agent)"; return 1; }
	cp "$STANDIN" "$W/agent.bin" && head -c 100000 /dev/urandom >> "$W/agent.bin"
	python3 "$(dirname "${BASH_SOURCE[0]}")/../image/mkimage.py" "$@" "$W/agent-build.tar" "${PUBLISH_TAG:-amazon/amazon-ecs-agent:latest}" \
		"$W/agent.bin=/agent" > "$W/agent-build.id" || return 1
	mkdir -p "$W/s3/amazon-ecs-agent-us-east-1"
	cp "$W/agent-build.tar" "$W/s3/amazon-ecs-agent-us-east-1/$name"
	GNUPGHOME=$W/gnupg gpg --batch --quiet --yes --armor --detach-sign -o "$W/s3/amazon-ecs-agent-us-east-1/$name.asc" \
		"$W/s3/amazon-ecs-agent-us-east-1/$name" 2>/dev/null && arm64_names "$W/s3/amazon-ecs-agent-us-east-1/$name"
}
# arm64_names FILE: with SBX_ARM64=1 (the aarch64 binary under test, test-vm/arm64/run.sh),
# FILE and its .asc also under the name the binary asks for on aarch64 (ecs-agent-arm64-...):
# the image itself stays the machine's, which is what its dockerd runs
arm64_names() {
	local d=${1%/*} f=${1##*/}
	[ -n "${SBX_ARM64:-}" ] && [ "${f#ecs-agent-}" != "$f" ] || return 0
	ln -f "$1" "$d/ecs-agent-arm64-${f#ecs-agent-}" && ln -f "$1.asc" "$d/ecs-agent-arm64-${f#ecs-agent-}.asc"
}
# agent_key_up: the throw-away signing key ($W/gnupg, public part in $AGENT_KEYRING) and the
# stand-in agent published as ecs-agent-latest.tar (its image id in $AGENT_ID).
agent_key_up() {
	mkdir -m 700 "$W/gnupg" || return 1
	GNUPGHOME=$W/gnupg gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
		--quick-gen-key 'ECS test signing <agent@example.invalid>' rsa2048 sign never 2>/dev/null || return 1
	GNUPGHOME=$W/gnupg gpg --batch --export agent@example.invalid > "$W/agent-key.gpg" 2>/dev/null
	AGENT_KEYRING=$W/agent-key.gpg
	publish_agent ecs-agent-latest.tar || return 1
	AGENT_ID=$(cat "$W/agent-build.id") STANDIN_ID=$AGENT_ID
}
# use_standin WHY: from here on the stand-in is ecs-agent-latest.tar (a fault the real agent
# cannot be made to produce: WHY, printed); AGENT_ID follows
use_standin() {
	echo "# stand-in agent from here: $1"
	publish_agent ecs-agent-latest.tar || return 1
	AGENT_ID=$(cat "$W/agent-build.id") STANDIN_ID=$AGENT_ID
}
# sbx_real_config: /etc/ecs/ecs.config with only SBX_REAL_CONFIG, as set by hand before a first run
sbx_real_config() {
	IN sh -c 'mkdir -p /etc/ecs && printf "%s\n" "$@" > /etc/ecs/ecs.config' - "# this test's agent image: no CNI plugins" "${SBX_REAL_CONFIG[@]}"
}
# use_real: the real agent as ecs-agent-latest.tar, its fake ECS, ecs.config's keys for it
use_real() {
	real_agent_ok && publish_agent_file ecs-agent-latest.tar "$REAL_AGENT" || return 1
	AGENT_ID=$(archive_image_id "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar")
	if [ -z "${PID_ecs:-}" ]; then
		mkdir -p "$W/tasks" && sbx_ecs_up --tasks "$W/tasks" "${SBX_ECS_ARGS[@]}" || return 1
	fi
	sbx_real_config || return 1
	# the image of the tasks the fake's ACS places (place, task_ended): build/task-probe
	probe_image "$W/probe.tar" &&
		docker_api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$W/probe.tar" http://d/images/load | grep -q task-probe ||
		{ echo "task-probe image not loaded"; return 1; }
}
PROBE=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/task-probe
# probe_image OUT: the tasks' image (task-probe:latest, build/task-probe as its entrypoint) as a docker-save archive
probe_image() {
	[ -x "$PROBE" ] || { echo "missing $PROBE (make build/task-probe)"; return 1; }
	python3 "$FAKE/../image/mkimage.py" --entrypoint /probe "$1" task-probe:latest "$PROBE=/probe" >/dev/null
}
# publish_agent_file NAME FILE: a prebuilt docker-save archive (gzip'd ones are unpacked, as the
# agent bucket holds them) put in the agent bucket as NAME, signed with the test key (agent_key_up).
publish_agent_file() {
	local b=$W/s3/amazon-ecs-agent-us-east-1
	mkdir -p "$b" || return 1
	case $2 in
	*.gz) gunzip -c "$2" > "$b/$1" ;;
	*) cp "$2" "$b/$1" ;;
	esac || return 1
	sign_file "$b/$1" && arm64_names "$b/$1"
}
# sign_file FILE: FILE.asc, a detached signature with the suite's test key (agent_key_up)
sign_file() { GNUPGHOME=$W/gnupg gpg --batch --quiet --yes --armor --detach-sign -o "$1.asc" "$1" 2>/dev/null; }
# The real Amazon ECS agent (shared/realagent/SOURCES.md): REAL_AGENT, a gzip'd docker-save
# archive laid out as Amazon's bucket holds it (unpacked).  real_agent_ok: it is there and
# matches SHA256SUMS beside it.  archive_image_id FILE: the image id Docker gives it (the
# sha256 of its config's bytes; the config is named in manifest.json).
REAL_AGENT=${REAL_AGENT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/shared/realagent/amazon-ecs-agent-v1.105.1.tar.gz}
REAL_AGENT_VERSION=1.105.1
real_agent_ok() {
	[ -f "$REAL_AGENT" ] || { echo "no real agent archive at $REAL_AGENT (set REAL_AGENT)"; return 1; }
	[ -f "$(dirname "$REAL_AGENT")/SHA256SUMS" ] || return 0
	(cd "$(dirname "$REAL_AGENT")" && grep " \*\?$(basename "$REAL_AGENT")\$" SHA256SUMS | sha256sum -c --quiet -)
}
archive_image_id() {
	python3 - "$1" <<-'EOF'
	import hashlib, json, sys, tarfile
	with tarfile.open(sys.argv[1]) as t:
	    m = json.load(t.extractfile("manifest.json"))
	    print("sha256:" + hashlib.sha256(t.extractfile(m[0]["Config"]).read()).hexdigest())
	EOF
}
# sbx_ecs_up [fake_aws.py ecs options...]: a fake ECS control plane (fake_aws.py ecs: SigV4,
# the JSON API, the ACS and telemetry websockets) on 127.0.0.2:443 over TLS with the test CA;
# ecs.us-east-1.amazonaws.com and the poll endpoints' hosts (ecs-a-1, ecs-t-1, ecs-sc-1) in
# /etc/hosts; the test CA alone in /etc/ecs/test-ca.pem (the agent container binds /etc/ecs:
# give it SSL_CERT_FILE=$ECS_CA).  Sets ECS_URL; log in $W/ecs.log.  Needs sbx_aws_up.
ECS_CA=/etc/ecs/test-ca.pem
ECS_URL=https://ecs.us-east-1.amazonaws.com
sbx_ecs_up() {
	sh "$FAKE/gen-certs.sh" "$W/tls" ecs || return 1
	IN bash -euc "
		echo '127.0.0.2 ecs.us-east-1.amazonaws.com ecs-a-1.us-east-1.amazonaws.com ecs-t-1.us-east-1.amazonaws.com ecs-sc-1.us-east-1.amazonaws.com' >> /etc/hosts
		mkdir -p /etc/ecs && cp $W/tls/ca.crt $ECS_CA
	" || return 1
	start ecs python3 "$FAKE/fake_aws.py" ecs --bind 127.0.0.2 --port 443 --cert "$W/tls/ecs.crt" --key "$W/tls/ecs.key" "$@"
	for _ in $(seq 100); do IN curl -s -o /dev/null "$ECS_URL/" && return 0; sleep 0.1; done
	echo "fake ECS did not come up"; tail -5 "$W/ecs.log"; return 1
}
# SBX_DOCKERD: the command that starts the daemon (default: the machine's dockerd), given the
# sandbox's options; SBX_DOCKERD_ARGS: more options (docker-new.sh: a newer Docker's)
SBX_DOCKERD=(dockerd --storage-driver=overlay2) SBX_DOCKERD_ARGS=()
# sbx_dockerd_up: (re)start the sandbox's dockerd (PID_dockerd) and wait until it answers
sbx_dockerd_up() {
	mkdir -p "$W/docker" || return 1
	IN_BG "${SBX_DOCKERD[@]}" --data-root "$W/docker" --host unix:///run/docker.sock \
		--exec-root /run/docker-exec --pidfile /run/docker.pid "${SBX_DOCKERD_ARGS[@]}" >>"$W/dockerd.log" 2>&1
	PID_dockerd=$BG_PID
	for _ in $(seq 100); do IN curl -s --unix-socket /run/docker.sock http://d/_ping >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "dockerd did not come up"; tail -5 "$W/dockerd.log"; return 1
}
sbx_agent_up() {
	sbx_dockerd_up || return 1
	agent_key_up || return 1
	SBX_ENV+=(ECS_BOOTSTRAP_KEYRING="$AGENT_KEYRING")
	if [ "$SBX_AGENT" = real ]; then use_real; else echo "# stand-in agent: ${SBX_STANDIN_WHY:?}"; fi
}
# sbx_suite TITLE BIN FAULT_BIN BACKEND: what every suite starts with: arguments, cleanup
# on exit, the whole sandbox (namespaces, fake AWS, dockerd, the signed stand-in agent), and
# the helpers rc (exit code of the last `run`), has (its output contains).  Suites that set
# SBX_ENV set it before.  A setup failure is one failed test.
sbx_suite() {
	local title=$1
	BIN=${2:?BIN}; FBIN=${3:?FAULT_BIN}; BACKEND=${4:?nft|legacy}
	trap sbx_down EXIT
	echo "# $title, iptables backend: $BACKEND"
	sbx_up "$BACKEND" && sbx_aws_up && sbx_agent_up || { echo "not ok 1 - sandbox setup"; echo "0 passed, 1 failed"; exit 1; }
}
rc() { [ "$(cat "$W/rc")" = "$1" ] || { echo "exit $(cat "$W/rc"), want $1"; cat "$W/out"; return 1; }; }
agent_log_tail() { echo "--- agent log:"; IN tail -n 8 /var/log/ecs/ecs-agent.log 2>/dev/null | cut -c1-300; }
has() { grep -qF -- "$1" "$W/out" || { echo "output lacks: $1"; cat "$W/out"; return 1; }; }

docker_api() { IN curl -s --unix-socket /run/docker.sock "$@"; }
image_id_of() { docker_api "http://d/images/$1/json" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("Id",""))' 2>/dev/null; }

sbx_down() {
	local p
	for p in "${SBX_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${SBX_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	SBX_PIDS=()
	[ -n "${NS:-}" ] && ip netns del "$NS" 2>/dev/null
	[ -n "${TNS:-}" ] && ip netns del "$TNS" 2>/dev/null
	[ -n "${W:-}" ] && [ -d "$W/gnupg" ] && GNUPGHOME=$W/gnupg gpgconf --kill gpg-agent 2>/dev/null
	[ -n "${W:-}" ] && [ -z "${KEEP:-}" ] && rm -rf "$W"
	NS= TNS= PID_ecs=
}

# A hash of every file the sandbox wrote (the overlay upper dirs), for "nothing changed"; the
# running agent's own state (/var/lib/ecs/data) and cloud-init's are not ours.
sbx_fs_hash() {
	(cd "$W" && find etc.upper varlib.upper varcache.upper -path varlib.upper/ecs/data -prune -o -type f -print0 | sort -z |
		xargs -0 -r sha256sum | grep -v ' varlib.upper/cloud/' ;
		find etc.upper varlib.upper varcache.upper -path 'varlib.upper/ecs/data/*' -prune -o -print | sort) | sha256sum | cut -d' ' -f1
}

# ---- what the fake ECS (sbx_ecs_up, or the qemu guest's) recorded in $W/ecs.log, and tasks
# placed through its ACS (fake_aws.py ecs --tasks $W/tasks), shared by realagent.sh and the guest
# what the fake ECS recorded: ecs_calls [OP]: its JSON lines (of that operation)
ecs_calls() { python3 - "$W/ecs.log" "${1:-}" <<-'EOF'
	import json, sys
	for line in open(sys.argv[1]):
	    try:
	        r = json.loads(line)
	    except ValueError:
	        continue
	    if "op" in r and (not sys.argv[2] or r["op"] == sys.argv[2]):
	        print(json.dumps(r, sort_keys=True))
	EOF
}
# place NAME MODE AKID: a task (network mode MODE, its role's key AKID, the probe expecting
# AKID and staying $PROBE_HOLD s, default 2) dropped where the fake's ACS picks it up, in the
# cluster $CLUSTER (default real); prints its ARN
place() {
	python3 - "$W/tasks" "${CLUSTER:-real}" "${PROBE_HOLD:-2}" "$@" <<-'EOF'
	import datetime, json, os, secrets, sys
	d, cluster, hold, name, mode, akid = sys.argv[1:]
	arn = "arn:aws:ecs:us-east-1:123456789012:task/%s/" % cluster + secrets.token_hex(16)
	exp = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
	task = {"arn": arn, "family": "probe-" + name, "version": "1", "desiredStatus": "RUNNING", "networkMode": mode,
	        "containers": [{"name": "probe", "image": "task-probe:latest", "essential": True, "cpu": 10, "memory": 32,
	                        "environment": {"EXPECT_AKID": akid, "PROBE_HOLD": hold}}],
	        "roleCredentials": {"credentialsId": "cred-" + name, "roleArn": "arn:aws:iam::123456789012:role/probe-" + name,
	                            "accessKeyId": akid, "secretAccessKey": "secret-" + name, "sessionToken": "token-" + name,
	                            "expiration": exp}}
	json.dump(task, open(os.path.join(d, name + ".tmp"), "w"))
	os.rename(os.path.join(d, name + ".tmp"), os.path.join(d, name + ".json"))
	print(arn)
	EOF
}
# task_ended ARN WANT: the fake recorded the task RUNNING, then STOPPED with its container's
# exit code WANT (0 or "nonzero"), within $TASK_WAIT s (default 30); the agent acked the payload and
# the role's credentials.  On failure it calls task_debug ARN when the caller defines one.
task_ended() {
	local arn=$1 want=$2
	for _ in $(seq $((${TASK_WAIT:-30} * 5))); do
		ecs_calls SubmitTaskStateChange | grep -F "\"task\": \"$arn\"" | grep -q '"task_status": "STOPPED"' && break
		sleep 0.2
	done
	ecs_calls | python3 -c '
import json, sys
arn, want = sys.argv[1], sys.argv[2]
rs = [json.loads(l) for l in sys.stdin]
sent = [r for r in rs if r["op"] == "acs-send" and r.get("tasks") == [arn]]
assert len(sent) == 1, "the fake sent no payload for %s" % arn
mid = sent[0]["messageId"]
acks = [r for r in rs if r["op"] == "ws-message" and r.get("messageId") == mid]
assert {r["type"] for r in acks} == {"AckRequest", "IAMRoleCredentialsAckRequest"}, "acks of %s: %s" % (mid, acks)
ss = [r for r in rs if r["op"] == "SubmitTaskStateChange" and r.get("task") == arn]
assert all(r["status"] == 200 for r in ss), ss
# the SDK may send one call again (same amz-sdk-invocation-id, attempt=2): one report
seen = set()
ss = [r for r in ss if not ((r.get("invocation") or id(r)) in seen or seen.add(r.get("invocation") or id(r)))]
st = [r["task_status"] for r in ss]
assert "RUNNING" in st and "STOPPED" in st and st.index("RUNNING") < st.index("STOPPED"), "states: %s" % ss
codes = [c.get("exitCode") for r in ss if r["task_status"] == "STOPPED" for c in r["containers"] if c.get("status") == "STOPPED"]
assert codes, "no exit code: %s" % ss
ok = codes == [0] if want == "0" else all(isinstance(c, int) and c != 0 for c in codes)
assert ok, "exit codes %s, want %s: %s" % (codes, want, ss)
print("states %s, exit %s" % (st, codes))' "$arn" "$want" || { declare -F task_debug >/dev/null && task_debug "$arn"; return 1; }
}
