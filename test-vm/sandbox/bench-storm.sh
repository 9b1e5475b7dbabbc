#!/bin/bash
# test-vm/sandbox/bench-storm.sh BIN [N] [RATE]: a boot storm.  N instances (default 300)
# bootstrap at the same moment against one fake S3 that throttles as S3 does (503 SlowDown
# beyond RATE requests per second, default 25) and one fake IMDS; then the same N instances
# run the installation document's curl pipeline under the same throttle.  Prints figures;
# asserts nothing.  Run time at N=300: a minute or two (2 cores).
#
# An instance here: a network namespace of its own (its own address, 10.201.A.B, on a bridge
# in the sandbox's namespace, where the fakes listen; its own iptables), a --root tree of its
# own (ecs.config, the agent cache, checkpoints, options, its lock, its boot id), the
# sandbox's mount namespace (/etc/hosts, the CA bundle, the tools).  What it runs is what the
# production user data (docs/examples/user-data.sh) runs once it has the binary:
#   ecs-bootstrap run --no-start; while it exits 111: a random pause of 0 to 2 x try x 3 s and
#   run again, 10 tries
# -- every step for real: IMDS (token, identity document: instance id, region), sysctl (in
# the tree), nat (iptables in the instance's namespace), ecs.config, Docker, the agent tarball's
# signature and the tarball from S3 (both throttled), OpenPGP verification, `docker load`.
# Left out, and why:
#   - the agent container (--no-start) and --wait: there is one dockerd for all (300 would not
#     fit in 2 cores), and its one container name "ecs-agent" cannot be 300 instances' agents.
#     The loads of all instances go to that one dockerd (each real instance has its own): the
#     report gives the load's time, so it would show if Docker, not S3, were the limit.
#   - the user data's own download of the binary: from the operator's bucket, another prefix
#     than the agent's, which S3 throttles on its own.
# The tarball is the stand-in agent (SBX_AGENT=standin, ~160 KB): the storm is about request
# rates, not bytes.
# All instances are forked first and released together (a barrier); their CPU goes into a
# cgroup whose share is an eighth of one process's, so the fakes and dockerd are served first
# (on EC2 every instance has its own CPUs, IMDS is per instance, S3 is elsewhere).  Still, N
# bootstraps share these 2 cores (~70 ms of CPU each, and dockerd's untar of each load): at
# N=300 they reach S3 spread over ~15-20 s, at 30-45 requests/s -- not unlike the spread an
# Auto Scaling group's own launches have.  The report gives each instance's first S3 request
# and the time from there.  PRESTAGE=1 converges the local steps first, in a run whose agent
# download S3 answers 404 (--agent-url to a key that is not there: exit 100, nothing saved);
# the storm's runs then only check them (IMDS, iptables-save, Docker's ping): a sharper storm
# (N=100: all at S3 within 3 s), less of a boot.
#
# The throttle (fake_aws.py s3 --rate RATE --burst BURST): a token bucket over every request,
# BURST tokens at most (default: RATE, one second's worth), full at the start, refilled at RATE
# per second; a request without a token gets 503 SlowDown (S3's XML error, no Retry-After, as S3
# sends it).  S3 takes 5,500 GET/s per prefix and answers SlowDown while it scales a prefix up
# (the agent's bucket is shared by every ECS instance booting in the region); a python fake on
# 2 cores serves ~350 TLS requests a second, and 300 bootstraps here arrive at 30-45 a second,
# so the storm is scaled down: what matters is the demand against the rate.  RATE=25 is below
# that arrival rate, so the bucket is empty for most of the storm and 2N = 600 requests need
# 24 s of S3's capacity: three times the 7.5 s at most that five quick attempts span (full
# jitter, up to 0.25 s x 2^k after the k-th, capped at 8 s: the binary's policy for other
# failures, and its policy for throttling too before this benchmark showed 186 requests using
# it up).  Throttling now gets up to 30 attempts in 120 s, 1 s x 2^k capped at 20 s.  Most
# instances get a SlowDown: the case the policy is for.  A faster arrival (smaller
# N, PRESTAGE=1) needs a proportionally smaller RATE for the same storm; RATE >= the arrival
# rate is hardly a storm.  IMDS is not throttled (on EC2 each instance has its own); the one
# fake here has a listen backlog for all and logs who asked.
#
# The anchor, the installation document's pipeline per instance (same namespaces, same throttle,
# a fresh bucket): curl -o ecs-agent.tar URL; curl -o ecs-agent.tar.asc URL.asc; gpg --verify
# (gpgv with the test key, as bench-image.sh); docker load (the API's /images/load: 300 docker
# CLIs would not fit in memory).  Plain curl as the document has it: no -f, no --retry, so a 503
# saves S3's XML error under the file's name, the signature check fails, and that instance ends
# without an agent (its docker load is not tried).
#
# Report (bench-storm.py report): time until converged (median, p99, max), requests per
# instance, retries, 503s, runs of the user data, requests that used up their retry budget,
# failures, CPU; the pauses after each 503 (full jitter); a histogram of S3 request times
# (1 s bins) for both; and a model of the same arrivals under other retry policies (what
# would meet the goal), checked against the measured row of the binary's own policy.
# TIMEOUT (default 300 s) bounds each half.  KEEP=1 keeps $W (run logs in $W/storm/I/root).
set -uo pipefail
BIN=$(realpath "${1:?usage: bench-storm.sh BIN [N] [RATE]}"); N=${2:-300}; RATE=${3:-25}
BURST=${BURST:-$RATE}; TIMEOUT=${TIMEOUT:-300}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
[ "$N" -ge 1 ] && [ "$N" -le 1000 ] || { echo "N: 1..1000"; exit 1; }
SBX_AGENT=standin
SBX_STANDIN_WHY="one dockerd serves every instance; the storm is about S3 and IMDS, the stand-in is the tarball"
STORM=st$$
# The instances' CPU: a cgroup (v1 cpu controller) of their own, its shares an eighth of one
# process's: what the fakes and dockerd need comes first (on EC2 each instance has its CPUs, and
# S3 and IMDS theirs), the instances share the rest.  Without that controller: nice 10.
CG=/sys/fs/cgroup/cpu/ecs-storm-$$ NICE=()
if [ -f /sys/fs/cgroup/cpu/cpu.shares ] && mkdir "$CG" 2>/dev/null && echo 128 > "$CG/cpu.shares"; then :; else CG='' NICE=(nice -n 10); fi
storm_down() { # the instances' namespaces (their veths go with them), the cgroup, the sandbox
	[ -n "${STORM_UP:-}" ] && for i in $(seq "$N"); do echo "netns del $STORM-$i"; done | ip -force -b - 2>/dev/null
	STORM_UP=
	[ -n "$CG" ] && rmdir "$CG" 2>/dev/null
	sbx_down
}
trap storm_down EXIT
started=$(date +%s)

stop_pid() { # PID: stop one fake we started, and forget it
	local p keep=()
	kill "$1" 2>/dev/null; wait "$1" 2>/dev/null
	for p in "${SBX_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	SBX_PIDS=("${keep[@]}")
}
listening() { # LOG: wait until the fake logging there listens
	for _ in $(seq 100); do grep -q '"listening"' "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "no listener: $1"; tail -3 "$1"; return 1
}

sbx_up nft >/dev/null && sbx_aws_up && sbx_agent_up || exit 1
# a copy: one binary for the whole run, whatever a rebuild does to BIN meanwhile
cp "$BIN" "$W/ecs-bootstrap" || exit 1
BIN_SHA=$(sha256sum "$W/ecs-bootstrap" | cut -c1-12) BIN_NAME=$BIN BIN=$W/ecs-bootstrap

# ---- the network: a bridge in the sandbox's namespace (10.201.0.1, where the storm's fakes
# listen and 169.254.169.254 is local), one namespace per instance with a veth on it
ip -n "$NS" link add stb type bridge && ip -n "$NS" addr add 10.201.0.1/16 dev stb && ip -n "$NS" link set stb up || exit 1
STORM_UP=1
s=$(date +%s%N)
for i in $(seq "$N"); do echo "netns add $STORM-$i"; done | ip -b - || exit 1
for i in $(seq "$N"); do
	echo "link add sv$$-$i type veth peer name eth0 netns $STORM-$i"
	echo "link set sv$$-$i master stb up"
done | ip -n "$NS" -b - || exit 1
for i in $(seq "$N"); do
	# instance I's address: as bench-storm.py ip I
	printf 'link set lo up\nlink set eth0 up\naddr add 10.201.%d.%d/16 dev eth0\nroute add default via 10.201.0.1\n' \
		$((1 + (i - 1) / 250)) $((1 + (i - 1) % 250)) | ip -n "$STORM-$i" -b - || exit 1
done
ns_ms=$(( ($(date +%s%N) - s) / 1000000 )); s=$(date +%s%N)
# the S3 names lead to the storm's S3 (the sandbox's own one stays on 127.0.0.1)
IN sed -i 's/^127\.0\.0\.1 s3\.amazonaws\.com /10.201.0.1 s3.amazonaws.com /' /etc/hosts &&
	IN grep -q '^10\.201\.0\.1 s3\.amazonaws\.com ' /etc/hosts || { echo "/etc/hosts: no S3 on 10.201.0.1"; exit 1; }
# IMDS for hundreds at once: the sandbox's fake again, with a listen backlog and request times
stop_pid "$PID_imds"
start imdsst python3 "$FAKE/fake_aws.py" imds --bind 169.254.169.254 --port 80 --backlog 1024 --log-time
listening "$W/imdsst.log" || exit 1
# the trees
IN cat /etc/os-release > "$W/os-release" && IN cat /etc/ssl/certs/ca-certificates.crt > "$W/ca-bundle.crt" &&
	python3 "$HERE/bench-storm.py" trees "$W/storm" "$N" "$W/os-release" "$W/ca-bundle.crt" || exit 1
echo "# $N instances set up: namespaces and veths $ns_ms ms, IMDS and trees $(( ($(date +%s%N) - s) / 1000000 )) ms"

s3_up() { # NAME [OPTIONS]: a fresh S3 (a full bucket) for the storm, log $W/NAME.log
	local name=$1; shift
	start "$name" python3 "$FAKE/fake_aws.py" s3 --bind 10.201.0.1 --port 443 --root "$W/s3" --anonymous-read \
		--cert "$W/tls/s3.crt" --key "$W/tls/s3.key" --backlog 1024 --log-time "$@"
	listening "$W/$name.log"
}
no_agent() { # Docker without the agent image: each half loads it anew
	docker_api -X DELETE "http://d/images/amazon/amazon-ecs-agent:latest?force=1" >/dev/null
}
ticks() { # PID...: their CPU time so far, in clock ticks
	local p t=0
	for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done
	echo "$t"
}
launch() { # NAME SCRIPT ARGS...: every instance at once, in its namespace and the cgroup; $W/NAME.jsonl,
	# and $W/NAME.cpu: the wall time and the CPU seconds of the fakes and dockerd meanwhile
	local name=$1 script=$2 s3=PID_s3$1 t0 c0 c1 c2; shift 2
	t0=$(date +%s%N) c0=$(ticks "${!s3}") c1=$(ticks "$PID_imdsst") c2=$(ticks "$PID_dockerd")
	STORM_CGROUP=$CG python3 "$HERE/bench-storm.py" launch "$W/$name.jsonl" "$N" "$TIMEOUT" -- "${NICE[@]}" \
		nsenter -t "$HOLDER" -m --net="/run/netns/$STORM-{i}" -- env "${SBX_ENV[@]}" sh -c "$script" sh "$@"
	echo "{\"wall_ms\": $(( ($(date +%s%N) - t0) / 1000000 )), \"s3\": $(( $(ticks "${!s3}") - c0 ))," \
		"\"imds\": $(( $(ticks "$PID_imdsst") - c1 )), \"dockerd\": $(( $(ticks "$PID_dockerd") - c2 )), \"hz\": $(getconf CLK_TCK)}" \
		> "$W/$name.cpu"
}

# ---- PRESTAGE=1: the instances' local steps first, in a run whose agent tarball S3 answers 404
# (exit 100, nothing downloaded, nothing saved): preflight..docker converge in every tree; the
# storm's runs then only check them.  Default 0: the storm's runs do everything.
PRESTAGE=${PRESTAGE:-0}
if [ "$PRESTAGE" = 1 ]; then
	PRE='"$1" run --root "$2" --no-start --cluster storm --agent-url https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/absent.tar >"$2/prestage.log" 2>&1'
	s3_up s3pre || exit 1
	s=$(date +%s)
	launch pre "$PRE" "$BIN" "$W/storm/{i}/root"
	echo "# local steps first: $(grep -l 'NoSuchKey' "$W"/storm/*/root/prestage.log | wc -l) of $N stopped at the 404," \
		"$(ls "$W"/storm/*/root/var/lib/ecs-bootstrap/state/docker 2>/dev/null | wc -l) with the steps before it converged, in $(( $(date +%s) - s )) s"
	stop_pid "$PID_s3pre"
fi

# ---- ecs-bootstrap, in the user data's loop (docs/examples/user-data.sh: BS_TRIES=10, BS_PAUSE=3,
# a random pause of 0 to 2 x try x 3 s after a temporary failure, none after the last)
OURS='BIN=$1 T=$2 try=0
while [ "$try" -lt 10 ]; do
	try=$((try + 1))
	"$BIN" run --root "$T" --no-start --cluster storm -v >>"$T/run.log" 2>&1
	rc=$?
	echo "$try $rc" >>"$T/tries"
	case $rc in
	0) exit 0 ;;
	111) [ "$try" -lt 10 ] || break; r=$(od -An -N2 -tu2 /dev/urandom); sleep $((r % (6 * try + 1))) ;;
	*) exit "$rc" ;;
	esac
done
exit 111'
no_agent; s3_up s3ours --rate "$RATE" --burst "$BURST" || exit 1
s=$(date +%s)
launch ours "$OURS" "$BIN" "$W/storm/{i}/root"
echo "# ecs-bootstrap: all $N ended in $(( $(date +%s) - s )) s"
stop_pid "$PID_s3ours"

# ---- the installation document's pipeline, once, as it is written
CURL='cd "$1" || exit 2
URL=https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar
curl -sS -o ecs-agent.tar "$URL" 2>>err
curl -sS -o ecs-agent.tar.asc "$URL.asc" 2>>err
gpgv --keyring "$2" ecs-agent.tar.asc ecs-agent.tar 2>>err || exit 3
curl -sS --unix-socket /run/docker.sock -H "Content-Type: application/x-tar" --data-binary @ecs-agent.tar \
	http://d/images/load >load.out 2>>err && grep -q "Loaded image" load.out && ! grep -q errorDetail load.out || exit 4'
no_agent; s3_up s3curl --rate "$RATE" --burst "$BURST" || exit 1
s=$(date +%s)
launch curl "$CURL" "$W/storm/{i}/curl" "$AGENT_KEYRING"
echo "# curl pipeline: all $N ended in $(( $(date +%s) - s )) s"
stop_pid "$PID_s3curl"

echo "# boot storm: $N instances, binary $BIN_NAME (sha256 $BIN_SHA...), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$HERE/bench-storm.py" report --n "$N" --rate "$RATE" --burst "$BURST" --dir "$W/storm" --imds "$W/imdsst.log" --prestage "$PRESTAGE" \
	--ours "$W/ours.jsonl" "$W/s3ours.log" "$W/ours.cpu" --curl "$W/curl.jsonl" "$W/s3curl.log" "$W/curl.cpu"
echo "# bench-storm.sh ran $(( $(date +%s) - started )) s"
