#!/bin/bash
# test-vm/tap.sh: the TAP helpers every test-vm script sources.
#   t NAME CMD...   one assertion: "ok N - NAME", or "not ok N - NAME" and CMD's output
#   t_summary       the closing "N passed, N failed" line; returns non-zero on failures
# $W must name a scratch directory.  T_TIMED=1: each line also says how long CMD took.
T_N=0 T_FAIL=0
t() {
	local name=$1; shift
	T_N=$((T_N + 1))
	local s0=$SECONDS took=
	if "$@" >"$W/t.out" 2>&1; then
		[ -n "${T_TIMED:-}" ] && took=" # $((SECONDS - s0)) s"
		echo "ok $T_N - $name$took"
	else
		[ -n "${T_TIMED:-}" ] && took=" # $((SECONDS - s0)) s"
		T_FAIL=$((T_FAIL + 1))
		echo "not ok $T_N - $name$took"
		sed 's/^/#   /' "$W/t.out" | tail -n 15
	fi
}
t_summary() { echo "$((T_N - T_FAIL)) passed, $T_FAIL failed"; [ "$T_FAIL" = 0 ]; }
