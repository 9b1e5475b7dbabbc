#!/bin/sh
# scripts/streams.sh LOGDIR "CMD1" "CMD2" ...: run the commands at the same time, each one's
# output into LOGDIR/streamN.log; print each log when all are done (each under a
# "# stream N: CMD (exit E, S s)" line; the failed ones last, then a summary of their failing
# lines), and each minute meanwhile the last progress line of each; exit non-zero when any failed.
# make check runs its stages this way (the sandbox; the guests; the rest) on a machine of two
# cores: a sandbox suite waits on dockerd and the fakes much of the time, and so does a guest's
# test on its agent and Docker once booted.
set -u
dir=${1:?usage: streams.sh LOGDIR CMD...}
shift
mkdir -p "$dir"
i=0
pids=""
for cmd in "$@"; do
	i=$((i + 1))
	(
		s0=$(date +%s)
		sh -c "$cmd" > "$dir/stream$i.log" 2>&1
		echo "$? $(($(date +%s) - s0))" > "$dir/stream$i.rc"
	) &
	pids="$pids $!"
done
# a line a minute while they run, so a long quiet stretch still shows progress
while :; do
	alive=0
	for p in $pids; do kill -0 "$p" 2> /dev/null && alive=1; done
	[ "$alive" = 1 ] || break
	sleep 5
	n=$((${n:-0} + 1))
	[ $((n % 12)) = 0 ] || continue
	j=0
	for cmd in "$@"; do
		j=$((j + 1))
		last=$(grep -E '^# (time|guest|qemu|stream|target)|^[0-9]+ passed' "$dir/stream$j.log" 2> /dev/null | tail -1)
		echo "# $(date +%T) stream $j: ${last:-started}"
	done
done
# shellcheck disable=SC2086
wait $pids
# The logs: the streams that passed first, the failed ones last, then a summary naming each
# failed stream and its failing lines, so that the end of the output (all a CI page may keep)
# says what failed.
show() { # N CMD: stream N's header line and its log
	read -r rc secs < "$dir/stream$1.rc" || { rc=1 secs='?'; }
	echo "# stream $1: $2 (exit $rc, $secs s)"
	cat "$dir/stream$1.log"
}
i=0
failed=""
for cmd in "$@"; do
	i=$((i + 1))
	read -r rc _ < "$dir/stream$i.rc" || rc=1
	if [ "$rc" = 0 ]; then show "$i" "$cmd"; else failed="$failed $i"; fi
done
[ -n "$failed" ] || exit 0
for i in $failed; do eval "show $i \"\${$i}\""; done
echo "# ---- failed:"
for i in $failed; do
	eval "cmd=\${$i}"
	echo "# stream $i ($cmd): its failing lines, and the last of its log"
	grep -E '^(\[[a-z]+\] )?not ok|^# target .*exit [1-9]|FAIL|[Ee]rror [0-9]|^make.*\*\*\*|failed: ' "$dir/stream$i.log" | tail -40
	echo "# ... the last 15 lines of stream $i:"
	tail -15 "$dir/stream$i.log"
done
exit 1
