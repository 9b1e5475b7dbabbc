#!/bin/bash
# test-vm/cmd/userdata-pause.sh: the user-data snippet's pauses between attempts
# (docs/examples/user-data.sh).  Its download and run loops are driven with stand-ins on PATH:
# `curl` fails (or writes a stand-in ecs-bootstrap that always exits 111), `sleep` records its
# argument and returns at once.  Nothing leaves this machine.  As root the run loop is
# driven too, in a mount namespace whose /usr/local/bin is a tmpfs (the machine's is never
# written); as anyone else that part is skipped with a line saying so.
#   - no pause after the last attempt (the snippet gives up at once);
#   - each pause within 0..2 x try x BS_PAUSE, at random: a fleet's retries spread out.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
EX=$HERE/../../docs/examples/user-data.sh
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
. "$HERE/../tap.sh"
mkdir -p "$W/path"
printf '#!/bin/sh\necho "$1" >> "$PAUSES"\n' > "$W/path/sleep"
# curl -fsS -o FILE URL: a failure, or (STANDIN set) the stand-in binary written to FILE
printf '#!/bin/sh\n[ -n "${STANDIN:-}" ] || exit 7\ncp "$STANDIN" "$3"\n' > "$W/path/curl"
printf '#!/bin/sh\nexit 111\n' > "$W/standin"
chmod 755 "$W/path/sleep" "$W/path/curl" "$W/standin"
SUM=$(sha256sum "$W/standin" | cut -d' ' -f1)
TRIES=4 PAUSE=3 RUNS=6

# $W/drive OUT: one run of the snippet, its output into OUT, its pauses appended to $PAUSES
cat > "$W/drive" << DRIVE
#!/bin/sh
exec env PATH="$W/path:\$PATH" BS_URL=https://bucket.invalid/ecs-bootstrap BS_SHA256=$SUM BS_SHA256_ARM64=$SUM \\
	BS_TRIES=$TRIES BS_PAUSE=$PAUSE sh "$EX" > "\$1" 2>&1
DRIVE
chmod 755 "$W/drive"
# pauses_ok FILE: RUNS runs' worth of TRIES-1 pauses each, try by try within 0..2 x try x PAUSE,
# and not all of them try x PAUSE (a fixed schedule)
pauses_ok() {
	python3 - "$1" "$TRIES" "$PAUSE" "$RUNS" <<'PY'
import sys
ps = [int(l) for l in open(sys.argv[1])]
tries, pause, runs = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
per = tries - 1
assert len(ps) == runs * per, "%d pauses, want %d (%d per run: none after the last attempt): %s" % (len(ps), runs * per, per, ps)
for i, p in enumerate(ps):
    t = i % per + 1
    assert 0 <= p <= 2 * t * pause, "pause %d after try %d: want 0..%d" % (p, t, 2 * t * pause)
assert any(p != (i % per + 1) * pause for i, p in enumerate(ps)), "every pause was try x BS_PAUSE: %s" % ps
print(ps)
PY
}

export PAUSES=$W/download.pauses
for _ in $(seq $RUNS); do "$W/drive" "$W/out"; echo $? >> "$W/download.rc"; done
t "download failing every time: the snippet gives up with exit 1" bash -c "[ \"\$(sort -u $W/download.rc)\" = 1 ] && grep -q 'could not download' $W/out"
t "download: $((TRIES - 1)) pauses a run, none after the last attempt, each random within 0..2 x try x BS_PAUSE" pauses_ok "$PAUSES"

if [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
	export PAUSES=$W/run.pauses STANDIN=$W/standin
	for _ in $(seq $RUNS); do
		# shellcheck disable=SC2016
		unshare -m sh -c 'mount -t tmpfs none /usr/local/bin && exec "$@"' - "$W/drive" "$W/out"
		echo $? >> "$W/run.rc"
	done
	t "ecs-bootstrap exiting 111 every time: the snippet gives up with 111 after $TRIES runs, saying so" \
		bash -c "[ \"\$(sort -u $W/run.rc)\" = 111 ] && [ \$(grep -c 'temporary failure (try [0-9]*), retrying' $W/out) = $((TRIES - 1)) ] && grep -q 'still a temporary failure after $TRIES tries' $W/out"
	t "run: $((TRIES - 1)) pauses a run, none after the last, each random within 0..2 x try x BS_PAUSE" pauses_ok "$PAUSES"
	t "the machine's /usr/local/bin was not written" test ! -e /usr/local/bin/ecs-bootstrap.download
else
	echo "# the run loop needs root (a mount namespace for /usr/local/bin): skipped"
fi
t_summary
