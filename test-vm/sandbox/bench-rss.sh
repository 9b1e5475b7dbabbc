#!/bin/bash
# test-vm/sandbox/bench-rss.sh BIN [AGENT_SECONDS]: peak RSS, as the kernel counts it, of
# `ecs-bootstrap` in the roles the issue names, next to an anchor doing the same job:
#   first run          `run --cluster real` in the namespace sandbox (lib.sh, the real agent 1.105.1:
#                      download of its 82 MiB tarball from the fake S3, verify, docker load, start)
#                      vs ecs-init `pre-start` (the agent loaded from its cache, rules installed)
#   converged re-run   `run --cluster real` again vs ecs-init `pre-start` again
#   agent              `agent` supervising the agent container for AGENT_SECONDS (default 60; the
#                      goal's duration is 3600): VmHWM read from /proc/PID/status at the end,
#                      before SIGTERM, vs ecs-init `start` likewise
#   fetch 1 GiB        `fetch URL -o FILE` from the fake S3 (TLS) to a file on tmpfs vs curl -o FILE
#   verify 1 GiB       `verify --keyring K DATA SIG`, SHA-512 RSA signature, vs gpgv
# How: each process runs under a small ptrace wrapper (built here with cc, in a temporary
# directory) that stops it at its exit (PTRACE_EVENT_EXIT, its memory still mapped), reads VmHWM
# from /proc/PID/status (the process's own peak, without the tools it runs: run execs iptables,
# which is larger than we are) and saves which pages are resident (pagemap), which the end of the
# output attributes to sections and .bss variables.  The wrapper also reports ru_maxrss from wait4
# ("+children", what GNU time %M prints: the largest of the process, what it ran, and the
# launcher's own image before exec; on this kernel an approximate count, see the report).
# ecs-init runs as test-vm/ecsinit/compare.sh runs it, in a second sandbox at the same time as
# the first (this script again, BENCH_RSS_PART=ecsinit): /sys/fs/cgroup bound on /cgroup (an
# empty /cgroup made on the host if missing, removed after).  SKIP_ECSINIT=1 leaves it out.
# Needs root; prints one table; asserts nothing (exit 1 only when a case could not be measured).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
BIN=$(realpath "${1:?usage: bench-rss.sh BIN [AGENT_SECONDS]}") || exit 2
AGENT_SECONDS=${2:-60}
GOAL=2048
MB=1024
SHARED=${SHARED:-$HERE/../../../shared/realagent}
ECS_INIT_GZ=${ECS_INIT_GZ:-$SHARED/amazon-ecs-init.gz}
PART=${BENCH_RSS_PART:-main}
if [ "$PART" = main ]; then R=$(mktemp -d /tmp/ecs-bench-rss.XXXXXX); else R=${BENCH_RSS_DIR:?}; fi
MADE_CGROUP= CGROUP_MOUNTED= PART_PID=
cleanup() {
	[ -n "$CGROUP_MOUNTED" ] && [ -n "${HOLDER:-}" ] && IN umount -l /cgroup 2>/dev/null
	sbx_down
	[ -n "$MADE_CGROUP" ] && rmdir /cgroup 2>/dev/null
	if [ "$PART" = main ]; then
		[ -n "$PART_PID" ] && { kill "$PART_PID" 2>/dev/null; wait "$PART_PID" 2>/dev/null; }
		if [ -n "${KEEP_RESULTS:-}" ]; then echo "# results kept in $R" >&2; else rm -rf "$R"; fi
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "# $(date +%T) $*" >&2; }
START=$(date +%s)
fail=0

# ---- the wrapper: peakrss OUT CMD...: OUT.pid gets CMD's pid at its start; OUT, when CMD has
# exited: "VmHWM_KiB ru_maxrss_KiB exit" (VmHWM -1 if the exit stop was missed); OUT.pages: its
# resident pages at the exit stop ("ADDRESS MAPPING")
PEAK=$R/peakrss
if [ "$PART" = main ]; then
cat > "$R/peakrss.c" <<'EOF'
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* OUT.pages: every resident page of PID now, "ADDRESS MAPPING" (from maps and pagemap) */
static void dump_pages(pid_t pid, const char *out)
{
	char path[4200], line[4096], name[4096];
	unsigned long lo, hi, a;
	uint64_t e;
	FILE *m, *o;
	int pm;

	snprintf(path, sizeof path, "/proc/%d/maps", (int) pid);
	if (!(m = fopen(path, "r")))
		return;
	snprintf(path, sizeof path, "/proc/%d/pagemap", (int) pid);
	pm = open(path, O_RDONLY);
	snprintf(path, sizeof path, "%s.pages", out);
	o = fopen(path, "w");
	while (o && pm >= 0 && fgets(line, sizeof line, m)) {
		name[0] = 0;
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %4095s", &lo, &hi, name) < 2)
			continue;
		for (a = lo; a < hi; a += 4096)
			if (pread(pm, &e, sizeof e, (off_t) (a / 4096 * 8)) == sizeof e && (e >> 63 & 1))
				fprintf(o, "%lx %s\n", a, name[0] ? name : "[anon]");
	}
	if (o)
		fclose(o);
	if (pm >= 0)
		close(pm);
	fclose(m);
}

static long status_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;
	snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, strlen(key)) && line[strlen(key)] == ':')
			v = strtol(line + strlen(key) + 1, NULL, 10);
	fclose(f);
	return v;
}

int main(int argc, char **argv)
{
	char pidpath[4096];
	struct rusage ru;
	long hwm = -1;
	int st, first = 1, code;
	pid_t pid;
	FILE *f;

	if (argc < 3)
		return fprintf(stderr, "usage: peakrss OUT CMD...\n"), 2;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 2;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	snprintf(pidpath, sizeof pidpath, "%s.pid", argv[1]);
	if ((f = fopen(pidpath, "w")))
		fprintf(f, "%d\n", (int) pid), fclose(f);
	for (;;) {
		if (wait4(pid, &st, __WALL, &ru) < 0) {
			if (errno == EINTR)
				continue;
			return perror("wait4"), 2;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (!WIFSTOPPED(st))
			continue;
		if (first) { /* the stop after execve */
			first = 0;
			ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL);
			ptrace(PTRACE_CONT, pid, 0, 0);
		} else if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
			hwm = status_kib(pid, "VmHWM"); /* exit_mm comes after this stop */
			dump_pages(pid, argv[1]);
			ptrace(PTRACE_CONT, pid, 0, 0);
		} else {
			ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(st)); /* deliver the signal */
		}
	}
	code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (!(f = fopen(argv[1], "w")))
		return perror(argv[1]), 2;
	fprintf(f, "%ld %ld %d\n", hwm, ru.ru_maxrss, code);
	fclose(f);
	return code;
}
EOF
cc -O2 -Wall -o "$R/peakrss" "$R/peakrss.c" || { echo "cannot build the wrapper (cc)"; exit 2; }
fi

# results: $R/res/CASE.WHO = "self_kib children_kib" (or "- -" when not measured), $R/res/CASE.WHO.note
mkdir -p "$R/res"
note() { echo "$3" > "$R/res/$1.$2.note"; }
# measure CASE WHO LOG CMD...: CMD in the sandbox under the wrapper; its output in LOG
measure() {
	local c=$1 who=$2 log=$3; shift 3
	IN "$PEAK" "$R/p.$c.$who" "$@" >>"$log" 2>&1
	local rc=$?
	read -r hwm maxrss code < "$R/p.$c.$who" 2>/dev/null || { hwm=- maxrss=- code=$rc; }
	echo "$hwm $maxrss" > "$R/res/$c.$who"
	[ "$rc" = 0 ] || { say "$c/$who: exit $rc:"; tail -n 5 "$log" >&2; return 1; }
}
# the VmHWM of PID now (KiB)
hwm_of() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
meta_arn() {
	IN curl -s -m 2 http://127.0.0.1:51678/v1/metadata 2>/dev/null |
		python3 -c "import json,sys; print(json.load(sys.stdin).get('ContainerInstanceArn') or '')" 2>/dev/null
}
wait_registered() { for _ in $(seq 600); do [ -n "$(meta_arn)" ] && return 0; sleep 0.2; done; return 1; }
# supervise CASE WHO LOG CMD...: CMD in the background under the wrapper for AGENT_SECONDS, its VmHWM
# sampled at the end (the figure), then SIGTERM; "with children" is the wrapper's ru_maxrss at its exit
supervise() {
	local c=$1 who=$2 log=$3; shift 3
	rm -f "$R/p.$c.$who.pid"
	IN_BG "$PEAK" "$R/p.$c.$who" "$@" >>"$log" 2>&1; local wpid=$BG_PID
	local pid=
	for _ in $(seq 50); do pid=$(cat "$R/p.$c.$who.pid" 2>/dev/null) && [ -n "$pid" ] && break; sleep 0.1; done
	[ -n "$pid" ] || { say "$c/$who did not start"; return 1; }
	say "$c/$who: pid $pid, supervising for $AGENT_SECONDS s"
	local t0=$SECONDS samples=() reg=no next=600
	while [ $((SECONDS - t0)) -lt "$AGENT_SECONDS" ]; do
		kill -0 "$pid" 2>/dev/null || { say "$c/$who exited early:"; tail -n 5 "$log" >&2; fail=1; break; }
		sleep 2
		[ "$reg" = no ] && [ -n "$(meta_arn)" ] && reg="yes, after $((SECONDS - t0)) s"
		[ $((SECONDS - t0)) -ge "$next" ] && { samples+=("$(hwm_of "$pid")"); next=$((next + 600)); }
	done
	local end; end=$(hwm_of "$pid")
	[ -n "$end" ] || { say "$c/$who: no VmHWM at the end"; end=-; }
	say "$c/$who: VmHWM at the end $end KiB (samples every ~10 min: ${samples[*]:-none})"
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	wait "$wpid" 2>/dev/null
	local hwm maxrss code
	read -r hwm maxrss code < "$R/p.$c.$who" 2>/dev/null || { hwm=- maxrss=- code=-; }
	echo "$end $maxrss" > "$R/res/$c.$who"
	note "$c" "$who" "agent registered: $reg; VmHWM every 10 min: ${samples[*]:-none}; at its exit after SIGTERM: VmHWM $hwm KiB, exit $code"
	local keep=() p
	for p in "${SBX_PIDS[@]}"; do [ "$p" = "$wpid" ] || keep+=("$p"); done
	SBX_PIDS=("${keep[@]}")
}


# ---- the ecs-init part (its own sandbox), as test-vm/ecsinit/compare.sh runs it
part_ecsinit() {
	say "sandbox 2: amazon-ecs-init pre-start, pre-start again, start"
	gunzip -c "$ECS_INIT_GZ" > "$R/amazon-ecs-init" && chmod 755 "$R/amazon-ecs-init" || return 1
	local ECS_INIT=$R/amazon-ecs-init
	SBX_ENV=()
	SBX_AGENT=real SBX_ECS_ARGS=(--clusters real)
	sbx_up nft >/dev/null && sbx_aws_up && sbx_agent_up && mkdir -p "$W"/usr.{upper,work} "$W/cg" &&
		IN bash -euc "mount -t overlay overlay -o lowerdir=/usr,upperdir=$W/usr.upper,workdir=$W/usr.work /usr
			mount -t tmpfs tmpfs /mnt
			rm -f /etc/ecs/ecs.config
			mount --rbind /sys/fs/cgroup $W/cg && mount -t sysfs sysfs /sys && mount --rbind $W/cg /sys/fs/cgroup && umount -l $W/cg" ||
		{ echo "sandbox 2 setup failed"; return 1; }
	if [ ! -e /cgroup ]; then mkdir /cgroup && MADE_CGROUP=1; fi
	IN mount --rbind /sys/fs/cgroup /cgroup && CGROUP_MOUNTED=1
	{ echo "ECS_CLUSTER=real"; printf '%s\n' ECS_BACKEND_HOST="$ECS_URL" SSL_CERT_FILE="$ECS_CA" "${SBX_REAL_CONFIG[@]}"; } > "$R/ecs.config"
	IN bash -euc "mkdir -p /etc/ecs /var/cache/ecs && cp $R/ecs.config /etc/ecs/ecs.config
		gunzip -c '$REAL_AGENT' > /var/cache/ecs/ecs-agent.tar && printf 1 > /var/cache/ecs/state" || return 1
	measure first ecsinit "$R/ecsinit.log" "$ECS_INIT" pre-start || fail=1
	note first ecsinit "ecs-init pre-start (loads the agent from its cache)"
	measure rerun ecsinit "$R/ecsinit.log" "$ECS_INIT" pre-start || fail=1
	note rerun ecsinit "ecs-init pre-start again (the image already loaded)"
	supervise agent ecsinit "$R/ecsinit.log" "$ECS_INIT" start || fail=1
	note agent ecsinit "ecs-init start: $(cat "$R/res/agent.ecsinit.note" 2>/dev/null)"
	IN "$ECS_INIT" stop >>"$R/ecsinit.log" 2>&1
	IN umount -l /cgroup 2>/dev/null; CGROUP_MOUNTED=
	sbx_down
	[ -n "$MADE_CGROUP" ] && rmdir /cgroup 2>/dev/null; MADE_CGROUP=
	return "$fail"
}
if [ "$PART" = ecsinit ]; then
	part_ecsinit; exit
fi

# ---- ecs-init in the background (this script again), ours here
if [ -n "${SKIP_ECSINIT:-}" ]; then
	say "ecs-init left out (SKIP_ECSINIT)"
elif [ ! -f "$ECS_INIT_GZ" ]; then
	say "no $ECS_INIT_GZ: ecs-init left out"
else
	BENCH_RSS_PART=ecsinit BENCH_RSS_DIR=$R "$0" "$BIN" "$AGENT_SECONDS" > "$R/ecsinit.out" 2>&1 &
	PART_PID=$!
fi

# ---- sandbox 1: ecs-bootstrap (and curl, gpgv)
SBX_AGENT=real SBX_ECS_ARGS=(--clusters real)
say "sandbox 1: ecs-bootstrap with the real agent, fake AWS and ECS"
sbx_up nft >/dev/null && sbx_aws_up && sbx_agent_up || { echo "sandbox 1 setup failed"; exit 1; }
measure first ours "$R/first.log" "$BIN" run --cluster real || fail=1
note first ours "$(grep -o 'converged: .*' "$R/first.log" | tail -1 | cut -c1-150)"
measure rerun ours "$R/rerun.log" "$BIN" run --cluster real || fail=1
note rerun ours "$(grep -o 'converged: .*' "$R/rerun.log" | tail -1 | cut -c1-150)"
wait_registered || say "the agent did not register after the first run"
supervise agent ours "$R/agent.log" "$BIN" agent || fail=1

# fetch and verify of 1 GiB: the object in the fake S3 (a tmpfs of the sandbox's own on its
# bucket directory), outputs on another
T=$W/tmpfs
mkdir -p "$T" "$W/s3/bench"
IN bash -euc "mount -t tmpfs -o size=$((MB + 64))m tmpfs $W/s3/bench; mount -t tmpfs -o size=$((MB * 2 + 64))m tmpfs $T
	head -c $((MB * 1048576)) /dev/urandom > $W/s3/bench/big.bin" || { echo "tmpfs setup failed"; exit 1; }
URL=https://s3.us-east-1.amazonaws.com/bench/big.bin
say "fetch of $MB MiB (ours, curl) from the fake S3"
measure fetch ours "$R/fetch.ours.log" "$BIN" fetch "$URL" -o "$T/out.ours" || fail=1
IN rm -f "$T/out.ours"
measure fetch curl "$R/fetch.curl.log" curl -sS -o "$T/out.curl" "$URL" || fail=1
IN rm -f "$T/out.curl"
note fetch curl "curl -o FILE, same object"
say "verify of $MB MiB, SHA-512 signature (ours, gpgv)"
IN env GNUPGHOME="$W/gnupg" gpg --batch --quiet --yes --digest-algo SHA512 --detach-sign -o "$T/big.sig" "$W/s3/bench/big.bin" 2>/dev/null ||
	{ echo "gpg could not sign"; fail=1; }
IN env GNUPGHOME="$W/gnupg" gpg --batch --list-packets "$T/big.sig" 2>/dev/null | grep -q 'digest algo 10' || say "the signature is not SHA-512"
measure verify ours "$R/verify.ours.log" "$BIN" verify --keyring "$AGENT_KEYRING" "$W/s3/bench/big.bin" "$T/big.sig" || fail=1
measure verify gpgv "$R/verify.gpgv.log" gpgv --keyring "$AGENT_KEYRING" "$T/big.sig" "$W/s3/bench/big.bin" || fail=1
note verify gpgv "gpgv --keyring K SIG DATA"
sbx_down
if [ -n "$PART_PID" ]; then
	say "waiting for the ecs-init part"
	wait "$PART_PID" || { fail=1; echo "# the ecs-init part failed:"; tail -n 15 "$R/ecsinit.out"; }
	PART_PID=
	sed 's/^/# ecs-init part: /' "$R/ecsinit.out" >&2
fi

# ---- the table
val() { [ -f "$R/res/$1" ] && cat "$R/res/$1" || echo "- -"; }
echo
echo "# peak RSS (KiB, the kernel's: VmHWM of the process itself at its exit, or at the end for the supervisors);"
echo "# \"+children\": ru_maxrss from wait4 (GNU time %M): the largest of it and the tools it ran"
echo "# $("$BIN" --version 2>&1 | head -1); goal: <= $GOAL KiB; agent supervising for $AGENT_SECONDS s"
printf '%-38s %10s %10s %-42s %10s %10s %s\n' "case" "ours" "+children" "anchor" "anchor" "+children" "goal met"
row() { # CASE LABEL ANCHOR_WHO ANCHOR_LABEL
	local o a
	o=($(val "$1.ours")); a=($(val "$1.$3"))
	local met=no
	[[ ${o[0]} =~ ^[0-9]+$ ]] && [ "${o[0]}" -le "$GOAL" ] && met=yes
	[[ ${o[0]} =~ ^[0-9]+$ ]] || met="-"
	printf '%-38s %10s %10s %-42s %10s %10s %s\n' "$2" "${o[0]}" "${o[1]}" "$4" "${a[0]}" "${a[1]}" "$met"
}
row first "first run (run, real agent)" ecsinit "ecs-init pre-start (from its cache)"
row rerun "converged re-run (run)" ecsinit "ecs-init pre-start, again"
row agent "agent, supervising ${AGENT_SECONDS} s" ecsinit "ecs-init start, supervising ${AGENT_SECONDS} s"
row fetch "fetch 1 GiB to a file (tmpfs)" curl "curl -o FILE"
row verify "verify 1 GiB, SHA-512 signature" gpgv "gpgv"
for f in "$R"/res/*.note; do [ -f "$f" ] && echo "#   $(basename "$f" .note): $(cat "$f")"; done

# where ours' resident pages were at its exit (the pagemap the wrapper saved), by section and, in
# .bss, by variable (symbols of BIN.debug when it exists): what the figure is made of
SYMS=$BIN; [ -f "$BIN.debug" ] && SYMS=$BIN.debug
# struct run (the largest variable, `run`) member by member: a probe compiled against the tree's
# headers as the musl build compiles them, its layout read with gdb (ptype /o); the breakdown
# uses it only when its size is that of BIN's `run`
SRC=$(cd "$HERE/../.." && pwd)
: > "$R/run.layout"
if command -v gdb >/dev/null && command -v musl-gcc >/dev/null && [ -f "$SRC/src/run.h" ]; then
	printf '#include "run.h"\nstruct run bench_rss_probe;\n' > "$R/probe.c"
	(cd "$SRC" && musl-gcc -std=c11 -D_GNU_SOURCE -pthread -Isrc -isystem third_party/cache/bearssl/inc -isystem third_party/cache/zlib \
		-isystem third_party/cache/jsmn -Ibuild/gen -DBS_HAVE_ZLIB=1 -g -c "$R/probe.c" -o "$R/probe.o" 2>/dev/null) &&
		gdb -batch -ex 'set max-value-size unlimited' -ex 'ptype /o struct run' "$R/probe.o" > "$R/run.layout" 2>/dev/null
fi
echo
echo "# ours' resident memory at its exit, KiB (file: text and constants of the binary, mapped from the page"
echo "# cache, fault-around included; .bss variables: resident/size; symbols from $SYMS):"
for c in first rerun agent fetch verify; do
	[ -s "$R/p.$c.ours.pages" ] || continue
	python3 - "$SYMS" "$BIN" "$R/p.$c.ours.pages" "$c" "$R/run.layout" <<-'PY'
	import collections, re, subprocess, sys
	elf, exe, pages, case, layout = sys.argv[1:]
	secs = []
	for l in subprocess.run(["readelf", "-SW", elf], capture_output=True, text=True).stdout.splitlines():
	    f = l.replace("[ ", "[").split()
	    if len(f) > 6 and f[0].startswith("[") and f[0] != "[Nr]" and "A" in (f[7] if len(f) > 7 else ""):
	        a, n = int(f[3], 16), int(f[5], 16)
	        if a:
	            secs.append((a, a + n, f[1]))
	syms = []
	for l in subprocess.run(["nm", "-S", "--defined-only", elf], capture_output=True, text=True).stdout.splitlines():
	    f = l.split()
	    if len(f) == 4 and f[2] in "bBdD":
	        syms.append((int(f[0], 16), int(f[1], 16), f[3]))
	# struct run's members (absolute offsets, gdb ptype /o): (offset, size, name, depth)
	members, stack = [], []
	for l in open(layout):
	    m = re.match(r"/\*\s+(\d+)(?::\d+)?\s*\|\s*(\d+)\s*\*/\s*(.*)$", l)
	    if m:
	        off, size, rest = int(m[1]), int(m[2]), m[3].strip()
	        if rest.endswith("{"):
	            stack.append((off, size))
	        else:
	            members.append((off, size, re.sub(r"\[.*", "", rest.rstrip(";").split()[-1]).lstrip("*"), len(stack)))
	        continue
	    m = re.match(r"\s*}\s*(\w+)", l)
	    if m and stack:
	        off, size = stack.pop()
	        members.append((off, size, m[1], len(stack)))
	runsym = [x for x in syms if x[2] == "run"]
	total = re.findall(r"total size \(bytes\):\s*(\d+)", open(layout).read())
	if not runsym or not total or int(total[-1]) != runsym[0][1]:
	    members = []  # not the layout of this binary's struct run
	def run_member(rel):
	    best, bo = None, 0
	    for x in members:
	        o = min(rel + 4096, x[0] + x[1]) - max(rel, x[0])
	        if x[1] >= 4096 and (o > bo or (o == bo and best and x[1] < best[1])):
	            best, bo = x, o
	    if not best or bo < 1024:
	        return "run (small fields)", None
	    path = [c[2] for c in sorted(members, key=lambda c: -c[1])
	            if c[3] < best[3] and c[0] <= best[0] and best[0] + best[1] <= c[0] + c[1]]
	    return "run." + ".".join(path + [best[2]]), best[1]
	def sec_of(a):
	    for lo, hi, n in secs:
	        if lo <= a < hi or (n == ".bss" and lo <= a + 4095 and a < hi):
	            return n
	    return None
	kib = collections.Counter()
	sizes = {}
	for l in open(pages):
	    a, name = l.split()
	    a = int(a, 16)
	    if name == "[stack]" or name == "[heap]":
	        kib[name] += 4; continue
	    sec = sec_of(a)
	    if name != exe and sec != ".bss":
	        kib["[anon mmap]" if name == "[anon]" else name] += 4; continue
	    if sec in (".text", ".rodata", ".eh_frame", None) and name == exe:
	        kib["file: text+rodata"] += 4; continue
	    if sec != ".bss":
	        kib["data (" + sec + ")"] += 4; continue
	    best, ov = None, 0
	    for s0, sz, sn in syms:
	        o = min(a + 4096, s0 + sz) - max(a, s0)
	        if o > ov:
	            best, ov = (sn, sz), o
	    if best and best[0] == "run" and members:
	        k, sz = run_member(a - runsym[0][0])
	        kib[k] += 4
	        if sz:
	            sizes[k] = sz
	    elif best and best[1] >= 4096:
	        kib["bss " + best[0]] += 4; sizes["bss " + best[0]] = best[1]
	    else:
	        kib["bss small variables"] += 4
	total = sum(kib.values())
	parts = ["%s %d%s" % (k, v, "/%d" % (sizes[k] // 1024) if k in sizes else "") for k, v in kib.most_common(14)]
	print("#   %-7s %5d: %s" % (case, total, ", ".join(parts)))
	PY
done
echo "# took $(( $(date +%s) - START )) s"
exit "$fail"
