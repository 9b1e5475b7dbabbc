#!/bin/sh
# scripts/targets.sh MAKE TARGET...: make each target in turn, going on after a failure (as
# make -k would, so one run shows every failure), each followed by a line
# "# target T: exit E, S s"; at the end "# targets failed: ..." when any did; exits non-zero
# then.  make check's streams (scripts/streams.sh) run their targets this way, so that the
# log says how long each took.
set -u
mk=${1:?usage: targets.sh MAKE TARGET...}
shift
failed=""
for t in "$@"; do
	s0=$(date +%s)
	$mk "$t"
	rc=$?
	echo "# target $t: exit $rc, $(($(date +%s) - s0)) s"
	[ "$rc" = 0 ] || failed="$failed $t"
done
[ -z "$failed" ] || { echo "# targets failed:$failed"; exit 1; }
