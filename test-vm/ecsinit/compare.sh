#!/bin/bash
# test-vm/ecsinit/compare.sh BIN [OUT.md]
# Amazon's ecs-init (built from the agent's repository at the same commit as the real agent
# 1.105.1: shared/realagent/SOURCES.md) side by side with `BIN run`, each on a fresh namespace
# sandbox of the same kind (lib.sh: fake IMDS/S3, a real dockerd, the fake ECS), both with the
# same ecs.config settings, both registering the real agent with the fake ECS.  Compares the
# iptables/ip6tables rule lines each created, the agent container Docker created, and the time
# from start to registered (/v1/metadata names a ContainerInstanceArn, polled every 0.2 s).
# Prints progress, then the comparison as a markdown table (also written to OUT.md if given).
# Not part of `make check`.  Needs root, like the sandbox suites.
# ecs-init: `pre-start` then `start` in the background, the agent archive put in its cache
# (/var/cache/ecs/ecs-agent.tar, state "1": cached, load it unless loaded), no download.
# This ecs-init is the untagged (Amazon Linux 1) build: it binds /cgroup and /etc/pki, so in its
# sandbox /sys/fs/cgroup is bound on /cgroup (an empty /cgroup mount point is made on the host
# if missing, and removed after), and /usr and /mnt get throw-away layers so that the bind
# sources Docker creates and ecs-init's /mnt/ecs/ebs do not land on the host.
# Env: KEEP_RESULTS=1 keeps the raw results (rules, docker inspect, logs) in /tmp/ecs-compare.*,
# BACKEND (nft | legacy, default nft), SHARED (default ../shared/realagent beside the
# checkout), REAL_AGENT, ECS_INIT_GZ.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../sandbox/lib.sh"
SHARED=${SHARED:-$HERE/../../../shared/realagent}
REAL_AGENT=${REAL_AGENT:-$SHARED/amazon-ecs-agent-v1.105.1.tar.gz}
ECS_INIT_GZ=${ECS_INIT_GZ:-$SHARED/amazon-ecs-init.gz}
BACKEND=${BACKEND:-nft}
BIN=$(realpath "${1:?usage: compare.sh BIN [OUT.md]}") || exit 2
OUT=${2:-}
[ -f "$REAL_AGENT" ] && [ -f "$ECS_INIT_GZ" ] || { echo "missing $REAL_AGENT or $ECS_INIT_GZ (set SHARED)" >&2; exit 2; }

R=$(mktemp -d /tmp/ecs-compare.XXXXXX)
MADE_CGROUP=
CGROUP_MOUNTED=
cleanup() {
	[ -n "$CGROUP_MOUNTED" ] && [ -n "${HOLDER:-}" ] && IN umount -l /cgroup 2>/dev/null
	sbx_down
	[ -n "$MADE_CGROUP" ] && rmdir /cgroup 2>/dev/null
	if [ -n "${KEEP_RESULTS:-}" ]; then echo "# results kept in $R" >&2; else rm -rf "$R"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "# $*" >&2; }

gunzip -c "$ECS_INIT_GZ" > "$R/amazon-ecs-init" && chmod 755 "$R/amazon-ecs-init" || exit 1
ECS_INIT=$R/amazon-ecs-init
SETS=(ECS_BACKEND_HOST="$ECS_URL" SSL_CERT_FILE="$ECS_CA" ECS_ENABLE_TASK_ENI=false)
CLUSTER=real

# a fresh sandbox: namespaces, fake AWS, dockerd, the real agent published (signed), the fake ECS
# (lib.sh), no ecs.config (each side gets SETS its own way); a sysfs of the sandbox's own network
# namespace on /sys (cgroups kept), so that /sys/class/net shows the sandbox dockerd's docker0,
# which ecs-bootstrap looks for (ecs-init asks Docker), as on a host
SBX_ECS_ARGS=(--clusters "$CLUSTER")
up() {
	sbx_up "$BACKEND" && sbx_aws_up && sbx_agent_up || return 1
	mkdir -p "$W"/usr.{upper,work} "$W/cg" &&
	IN bash -euc "mount -t overlay overlay -o lowerdir=/usr,upperdir=$W/usr.upper,workdir=$W/usr.work /usr
		mount -t tmpfs tmpfs /mnt
		rm -f /etc/ecs/ecs.config
		mount --rbind /sys/fs/cgroup $W/cg && mount -t sysfs sysfs /sys && mount --rbind $W/cg /sys/fs/cgroup && umount -l $W/cg
		test -e /sys/class/net/docker0"
}
# rule lines now, in order (counters dropped, "TABLE: " prefixed): FILE
rules() {
	{ IN iptables-save -t nat | sed 's/^/nat: /'; IN iptables-save -t filter | sed 's/^/filter: /'
	  IN ip6tables-save | sed 's/^/ip6: /'; } 2>/dev/null |
		grep -v '^[a-z0-9]*: #' | grep -v '^[a-z0-9]*: COMMIT' | grep -v '^[a-z0-9]*: \*' |
		sed -E 's/ \[[0-9]+:[0-9]+\]$//; s/^(\w+: -A .*) -c [0-9]+ [0-9]+/\1/' > "$1"
}
meta_arn() {
	IN curl -s -m 2 http://127.0.0.1:51678/v1/metadata 2>/dev/null |
		python3 -c "import json,sys; print(json.load(sys.stdin).get('ContainerInstanceArn') or '')" 2>/dev/null
}
# wait_registered T0 DIR: poll until registered (150 s at most); DIR/seconds, DIR/arn
wait_registered() {
	local t0=$1 d=$2 arn=
	for _ in $(seq 750); do
		arn=$(meta_arn); [ -n "$arn" ] && break
		sleep 0.2
	done
	local t1; t1=$(date +%s.%N)
	echo "$arn" > "$d/arn"
	if [ -n "$arn" ]; then awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", b - a }' > "$d/seconds"
	else echo "not registered in 150 s" > "$d/seconds"; fi
}
collect() { # DIR: after registering, what to compare
	local d=$1
	rules "$d/rules.after"
	docker_api http://d/containers/ecs-agent/json > "$d/ctr.json"
	local img; img=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Image"])' "$d/ctr.json" 2>/dev/null)
	docker_api "http://d/images/$img/json" > "$d/img.json"
	IN cat /etc/ecs/ecs.config > "$d/ecs.config" 2>/dev/null
	# the agent process's environment (State.Pid is docker-init, the agent its child)
	local pid child
	pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["State"]["Pid"])' "$d/ctr.json" 2>/dev/null)
	child=$(IN cat "/proc/$pid/task/$pid/children" 2>/dev/null | awk '{ print $1 }')
	IN cat "/proc/${child:-$pid}/environ" 2>/dev/null | tr '\0' '\n' > "$d/env.process"
	IN sysctl -n net.ipv4.conf.all.route_localnet > "$d/route_localnet" 2>/dev/null
}

# ---- ecs-bootstrap
B=$R/ecs-bootstrap; mkdir -p "$B"
say "sandbox 1: ecs-bootstrap run ($BACKEND)"
up || { echo "sandbox 1 setup failed" >&2; exit 1; }
rules "$B/rules.before"
args=(); for s in "${SETS[@]}"; do args+=(--set "$s"); done
t0=$(date +%s.%N)
IN_BG "$BIN" run --cluster "$CLUSTER" "${args[@]}" --wait=120 >"$B/out" 2>&1; RUNPID=$BG_PID
wait_registered "$t0" "$B"
wait "$RUNPID"; echo $? > "$B/rc"
collect "$B"
say "ecs-bootstrap: exit $(cat "$B/rc"), registered after $(cat "$B/seconds") s: $(cat "$B/arn")"
sbx_down

# ---- ecs-init
I=$R/ecs-init; mkdir -p "$I"
say "sandbox 2: amazon-ecs-init pre-start, start ($BACKEND)"
SBX_ENV=()
up || { echo "sandbox 2 setup failed" >&2; exit 1; }
if [ ! -e /cgroup ]; then mkdir /cgroup && MADE_CGROUP=1; fi
IN mount --rbind /sys/fs/cgroup /cgroup && CGROUP_MOUNTED=1
{ echo "ECS_CLUSTER=$CLUSTER"; printf '%s\n' "${SETS[@]}"; } > "$R/ecs.config"
IN bash -euc "mkdir -p /etc/ecs /var/cache/ecs && cp $R/ecs.config /etc/ecs/ecs.config
	gunzip -c '$REAL_AGENT' > /var/cache/ecs/ecs-agent.tar && printf 1 > /var/cache/ecs/state" || exit 1
rules "$I/rules.before"
t0=$(date +%s.%N)
IN "$ECS_INIT" pre-start >"$I/out" 2>&1; echo $? > "$I/prestart.rc"
t_pre=$(date +%s.%N)
IN_BG "$ECS_INIT" start >>"$I/out" 2>&1; INITPID=$BG_PID
wait_registered "$t0" "$I"
awk -v a="$t0" -v b="$t_pre" 'BEGIN { printf "%.1f\n", b - a }' > "$I/prestart.seconds"
collect "$I"
say "ecs-init: pre-start exit $(cat "$I/prestart.rc") in $(cat "$I/prestart.seconds") s, registered after $(cat "$I/seconds") s: $(cat "$I/arn")"
[ -n "$(cat "$I/arn")" ] || { IN tail -n 20 /var/log/ecs/ecs-init.log >&2; tail -n 20 "$I/out" >&2; }
IN "$ECS_INIT" stop >>"$I/out" 2>&1
kill "$INITPID" 2>/dev/null; wait "$INITPID" 2>/dev/null
IN cat /var/log/ecs/ecs-init.log > "$I/ecs-init.log" 2>/dev/null

# ---- the table
python3 - "$I" "$B" > "$R/table.md" <<'PY'
import json, re, sys
I, B = sys.argv[1:3]
def rd(d, f, default=""):
    try:
        return open(f"{d}/{f}").read().strip()
    except OSError:
        return default
def js(d, f):
    try:
        return json.load(open(f"{d}/{f}"))
    except (OSError, ValueError):
        return {}
def cell(s):
    s = str(s).replace("|", "\\|")
    return s.replace("\n", "<br>") if s else "(none)"
rows = []
def row(name, a, b, note=None):
    rows.append((name, a, b, note if note is not None else ("same" if a == b else "differs")))
def only(xs):
    return "only here:\n" + "\n".join(xs) if xs else "(nothing of its own)"
def setrow(name, a, b, show_common=False):
    a, b = list(a or []), list(b or [])
    if set(a) == set(b):
        rows.append((name, "\n".join(a), "(same)", "same"))
    else:
        common = [x for x in a if x in b]
        note = "differs; in both:\n" + "\n".join(common) if show_common else f"differs ({len(common)} in common)"
        rows.append((name, only([x for x in a if x not in b]), only([x for x in b if x not in a]), note))
secret = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|_KEY$|AUTH", re.I)
def dedup(lines):  # KEY=VALUE lines, a later KEY wins (as Docker applies Config.Env)
    d = {}
    for e in lines:
        k, _, v = e.partition("=")
        d.pop(k, None); d[k] = v
    return d
def env(c):
    return [f"{k}={'***' if secret.search(k) else v}" for k, v in sorted(dedup((c.get("Config") or {}).get("Env") or []).items())]
def dups(d, c):
    keys = [e.partition("=")[0] for e in (c.get("Config") or {}).get("Env") or []]
    dk = sorted({k for k in keys if keys.count(k) > 1})
    proc = dedup(rd(d, "env.process").splitlines())
    want = dedup((c.get("Config") or {}).get("Env") or [])
    chk = "the agent process's environment: " + ("as Config.Env, a later key winning" if proc and all(proc.get(k) == v for k, v in want.items())
                                              else "NOT as Config.Env with a later key winning" if proc else "not read")
    return (", ".join(dk) if dk else "none") + "\n" + chk
ci, cb = js(I, "ctr.json"), js(B, "ctr.json")
hi, hb = ci.get("HostConfig") or {}, cb.get("HostConfig") or {}
row("registered (ContainerInstanceArn in /v1/metadata)", "yes" if rd(I, "arn") else "no", "yes" if rd(B, "arn") else "no")
row("seconds from start to registered", rd(I, "seconds") + f" (pre-start {rd(I, 'prestart.seconds')} s: load from its cache)",
    rd(B, "seconds") + " (run: fetch from S3, verify, load)", "-")
row("exit code", f"pre-start {rd(I, 'prestart.rc')}", f"run --wait {rd(B, 'rc')}", "-")
row("net.ipv4.conf.all.route_localnet", rd(I, "route_localnet"), rd(B, "route_localnet"))
def rules(d, f, t):
    return [l.split(": ", 1)[1] for l in rd(d, f).splitlines() if l.startswith(t + ": ")]
for t in ("nat", "filter", "ip6"):
    for what, x, y in (("created", "rules.before", "rules.after"), ("removed", "rules.after", "rules.before")):
        c = {d: [l for l in rules(d, y, t) if l not in rules(d, x, t)] for d in (I, B)}
        if what == "created" or c[I] or c[B]:
            setrow(f"{t} rule lines {what}", c[I], c[B], show_common=True)
    inp = {d: [l for l in rules(d, "rules.after", t) if l.startswith("-A INPUT")] for d in (I, B)}
    if t != "nat" and inp[I] != inp[B]:
        row(f"{t} INPUT chain, in order", "\n".join(inp[I]), "\n".join(inp[B]))
img = lambda d: ", ".join(js(d, "img.json").get("RepoTags") or []) + " " + (js(d, "img.json").get("Id") or "")[:19]
row("Image", img(I), img(B))
row("Name", ci.get("Name"), cb.get("Name"))
setrow("HostConfig.Binds", hi.get("Binds"), hb.get("Binds"))
for k in ("CapAdd", "SecurityOpt"):
    setrow(f"HostConfig.{k}", hi.get(k), hb.get(k))
for k in ("NetworkMode", "PidMode", "UsernsMode", "IpcMode", "Init", "Privileged"):
    row(f"HostConfig.{k}", repr(hi.get(k)), repr(hb.get(k)))
row("HostConfig.LogConfig", json.dumps(hi.get("LogConfig"), sort_keys=True), json.dumps(hb.get("LogConfig"), sort_keys=True))
row("HostConfig.RestartPolicy", json.dumps(hi.get("RestartPolicy"), sort_keys=True), json.dumps(hb.get("RestartPolicy"), sort_keys=True))
setrow("Config.Env (secrets masked; a later duplicate key wins)", env(ci), env(cb))
row("Config.Env keys given twice", dups(I, ci), dups(B, cb))
lab = lambda c: [f"{k}={v}" for k, v in ((c.get("Config") or {}).get("Labels") or {}).items()]
setrow("Config.Labels", lab(ci), lab(cb))
ent = lambda c: json.dumps([(c.get("Config") or {}).get("Entrypoint"), (c.get("Config") or {}).get("Cmd"), c.get("Path"), c.get("Args")])
row("Entrypoint, Cmd, Path, Args", ent(ci), ent(cb))
setrow("/etc/ecs/ecs.config lines", rd(I, "ecs.config").splitlines(), rd(B, "ecs.config").splitlines())
print("| | ecs-init (amazon-ecs-init pre-start; start) | ecs-bootstrap run | |")
print("|---|---|---|---|")
for n, a, b, s in rows:
    print(f"| {cell(n)} | {cell(a)} | {cell(b)} | {cell(s)} |")
PY
cat "$R/table.md"
[ -n "$OUT" ] && cp "$R/table.md" "$OUT"
[ -n "$(cat "$I/arn")" ] && [ -n "$(cat "$B/arn")" ]
