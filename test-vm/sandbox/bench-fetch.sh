#!/bin/bash
# test-vm/sandbox/bench-fetch.sh BIN [MB] [RUNS]: `ecs-bootstrap fetch` next to curl on the
# same object (default 200 MB) from the fake S3 over TLS in the sandbox: median throughput
# of RUNS runs (default 5) each, their ratio, and peak RSS (GNU time).  Two ways: body to
# /dev/null (network + TLS only), to a file (ours: .partial, fsync, rename), and to a file
# with a digest check (ours: --sha256 while streaming; curl followed by sha256sum).
# Prints figures; asserts nothing.
set -uo pipefail
BIN=${1:?BIN}; MB=${2:-200}; RUNS=${3:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap sbx_down EXIT
sbx_up nft >/dev/null || exit 1
sbx_aws_up || exit 1
mkdir -p "$W/s3/bench"
head -c $((MB * 1048576)) /dev/urandom > "$W/s3/bench/big.bin"
URL=https://s3.us-east-1.amazonaws.com/bench/big.bin
SHA=$(sha256sum < "$W/s3/bench/big.bin" | cut -d' ' -f1)
BYTES=$((MB * 1048576))

one() { # LABEL CMD... -> prints "seconds maxrss_kb"
	local label=$1; shift
	IN /usr/bin/time -f '%e %M' -o "$W/time.$label" "$@" >/dev/null 2>"$W/err.$label" || { cat "$W/err.$label" >&2; return 1; }
	cat "$W/time.$label"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
bench() { # MODE
	local mode=$1 i ours=() curls=() ours_rss=() curl_rss=()
	for i in $(seq "$RUNS"); do
		if [ "$mode" = null ]; then
			set -- $(one ours "$BIN" fetch "$URL" -o -); ours+=("$1"); ours_rss+=("$2")
			set -- $(one curl curl -sS -o /dev/null "$URL"); curls+=("$1"); curl_rss+=("$2")
		elif [ "$mode" = sha256 ]; then
			rm -f "$W/o1" "$W/o2"
			set -- $(one ours "$BIN" fetch "$URL" -o "$W/o1" --sha256 "$SHA"); ours+=("$1"); ours_rss+=("$2")
			set -- $(one curl sh -c "curl -sS -o $W/o2 $URL && sha256sum $W/o2"); curls+=("$1"); curl_rss+=("$2")
		else
			rm -f "$W/o1" "$W/o2"
			set -- $(one ours "$BIN" fetch "$URL" -o "$W/o1"); ours+=("$1"); ours_rss+=("$2")
			set -- $(one curl curl -sS -o "$W/o2" "$URL"); curls+=("$1"); curl_rss+=("$2")
		fi
	done
	local to tc
	to=$(printf '%s\n' "${ours[@]}" | median); tc=$(printf '%s\n' "${curls[@]}" | median)
	awk -v o="$to" -v c="$tc" -v b="$BYTES" -v m="$mode" -v ro="$(printf '%s\n' "${ours_rss[@]}" | sort -n | tail -1)" \
		-v rc="$(printf '%s\n' "${curl_rss[@]}" | sort -n | tail -1)" 'BEGIN {
		printf "%-9s ecs-bootstrap %7.1f MiB/s (median %.2f s), curl %7.1f MiB/s (median %.2f s), ratio %.2f; peak RSS ours %d KiB, curl %d KiB\n",
			m, b / 1048576 / o, o, b / 1048576 / c, c, c / o, ro, rc }'
}
echo "object: $MB MiB over TLS 1.2 from the fake S3 (python, loopback), $RUNS runs each, $(nproc) cores"
bench null     # body to /dev/null: network and TLS only
bench file     # to a file (ours: .partial, fsync, rename)
bench sha256   # to a file and check its digest (ours: --sha256 while streaming; curl then sha256sum)
