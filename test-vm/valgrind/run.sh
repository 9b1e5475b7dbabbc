#!/bin/bash
# test-vm/valgrind/run.sh VG_BIN FAULT_BIN: the sandbox suites (nft) with the binary under
# valgrind's memcheck.  BIN is a wrapper (made here) that runs VG_BIN (a glibc build without
# sanitizers) through valgrind, exit 99 on any error, one log per process; afterwards every
# log must say "ERROR SUMMARY: 0 errors".  Suites that time things (crash kills at random
# moments) run too: valgrind only slows them.  SUITES="a b" limits the run (make check runs
# a part: the whole takes ~8 minutes here).
set -uo pipefail
VG_BIN=${1:?VG_BIN}; FBIN=${2:?FAULT_BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
d=$(mktemp -d /tmp/ecs-vg.XXXXXX)
trap 'rm -rf "$d"' EXIT
chmod 1777 "$d" # the non-root cases write their logs here too
cat > "$d/ecs-bootstrap" <<EOW
#!/bin/sh
exec valgrind -q --error-exitcode=99 --log-file=$d/vg.%p.log "$VG_BIN" "\$@"
EOW
chmod 755 "$d/ecs-bootstrap"
# memcheck is about ecs-bootstrap: the stand-in agent (hashing the real agent's 82 MiB under
# memcheck takes minutes per download; the plain and ASan runs have the real agent)
out=$(SBX_AGENT=standin SBX_STANDIN_WHY="valgrind run: ecs-bootstrap under memcheck would hash the real agent's 82 MiB for minutes" \
	bash "$HERE/../sandbox/run-all.sh" "$d/ecs-bootstrap" "$FBIN" nft 2>&1); rc=$?
printf '%s\n' "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
logs=$(ls "$d"/vg.*.log 2>/dev/null | wc -l)
# With -q, memcheck writes only its findings ("==PID== ..." lines); "--PID--" lines are the
# core's notes (valgrind 3.19 does not know openat2: our code falls back to openat, noted).
errs=$(cat "$d"/vg.*.log 2>/dev/null | grep -c '^==[0-9]*== ')
last=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
echo "# valgrind: $logs processes under memcheck, $errs lines of findings"
[ "$errs" = 0 ] || { echo "not ok - valgrind findings:"; grep -h '^==[0-9]*== ' "$d"/vg.*.log | head -60; }
p=${last%% passed*}; f=${last#*, }; f=${f%% failed}
[ "$errs" = 0 ] || f=$((f + 1))
echo "${p:-0} passed, ${f:-1} failed"
[ "$rc" = 0 ] && [ "${f:-1}" = 0 ]
