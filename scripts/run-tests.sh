#!/bin/sh
# Run TAP test binaries; print their output and a closing "N passed, N failed" line.
# A binary that crashes or exits non-zero without a failed test counts as one failure.
# VALGRIND=1: each runs under valgrind's memcheck (an error makes it exit 99: a failure).
# RUNNER: a command each runs under (test-arm64: qemu-aarch64-static).
set -u
pass=0 fail=0
for t in "$@"; do
	echo "# $t"
	# a hung test (a scripted server waiting for a connection that never comes) fails, not stalls
	if [ -n "${VALGRIND:-}" ]; then
		out=$(timeout 600 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$t" 2>&1); rc=$?
	else
		# shellcheck disable=SC2086
		out=$(timeout 300 ${RUNNER:-} "$t" 2>&1); rc=$?
	fi
	[ "$rc" = 124 ] && echo "# $t: timed out"
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "# $t exited $rc"
		f=1
	fi
	pass=$((pass + p)); fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
