#!/bin/bash
# test-vm/sandbox/hostile.sh BIN FAULT_BIN BACKEND
# Hostile input and the rest of the network faults: oversized and malformed values, a --root
# whose /etc/ecs points outside it, a --config-url answering 2 GiB (announced, and chunked),
# a body longer than its Content-Length, a chunk size that is not hex, a TLS close_notify in
# mid-body.  Each is bounded and refused with a clear message (or retried), never a partial
# file taken as complete, and nothing changed on the machine.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)
sbx_suite "hostile input and network faults" "$@"
run() { IN "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
unchanged() { [ "$(sbx_fs_hash)" = "$BEFORE" ] || { echo "the machine changed"; return 1; }; }
took() { [ "$(cat "$W/secs")" -le "$1" ] || { echo "took $(cat "$W/secs") s"; return 1; }; }
timed() { local s; s=$(date +%s); run "$@"; echo $(($(date +%s) - s)) > "$W/secs"; }

run "$BIN" run --cluster hostile
t "first run: exit 0" rc 0
BEFORE=$(sbx_fs_hash)

# ---- command line and environment
big=$(head -c 120000 /dev/zero | tr '\0' 'x') # near the kernel's limit for one argument (128 KiB)
run "$BIN" run --set "ECS_RESERVED_MEMORY=$big"
t "--set with a 120 KB value: exit 100, says why" bash -c "[ \$(cat $W/rc) = 100 ] && grep -qiE 'the limit is|longer than|larger than' $W/out"
t "... nothing changed" unchanged
run env ECS_BOOTSTRAP_SET="$(head -c 70000 /dev/zero | tr '\0' 'y' | sed 's/^/K=/')" "$BIN" run
t "ECS_BOOTSTRAP_SET of 70 KB: exit 100 with the limit" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'longer than 65535 bytes' $W/out"
run "$BIN" run --set "$(printf 'ECS_CLUSTER=a\rb')"
t "--set with a carriage return: exit 100" rc 100
run "$BIN" run --set "BAD KEY=1"
t "--set with a space in the key: exit 100" rc 100
run "$BIN" run --cluster "$(head -c 300 /dev/zero | tr '\0' 'c')"
t "--cluster of 300 characters: exit 100" rc 100
t "... nothing changed" unchanged

# ---- --root whose /etc/ecs points outside the root
mkdir -p "$W/tree/etc" "$W/outside" "$W/tree/proc/sys/net/ipv4/conf/all"
ln -s "$W/outside" "$W/tree/etc/ecs"
echo 0 > "$W/tree/proc/sys/net/ipv4/conf/all/route_localnet"
printf 'ID=debian\nVERSION_ID="12"\n' > "$W/tree/etc/os-release"
run "$BIN" run --root "$W/tree" --cluster c
t "--root with /etc/ecs -> outside: run writes nothing outside the root" bash -c "[ -z \"\$(ls -A $W/outside)\" ]"
t "... the link is resolved inside the root, where it leads nowhere: exit 100 naming /etc/ecs" \
	bash -c "[ \$(cat $W/rc) = 100 ] && grep -q \"ecs-config: fatal: open directory '/etc/ecs'\" $W/out"

# ---- --config-url answering 2 GiB: refused at the announced length / at the limit
mkdir -p "$W/s3/test-bucket"
echo '{"s3_huge": true, "only": "big.config"}' > "$W/faults.json"
echo 'K=1' > "$W/s3/test-bucket/big.config"
timed "$BIN" run --config-url https://test-bucket.s3.us-east-1.amazonaws.com/big.config
t "--config-url announcing 2 GiB: exit 100 with the limit" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'larger than the limit' $W/out"
t "... at once (no 2 GiB read)" took 5
t "... nothing changed" unchanged
echo '{"s3_huge_chunked": true, "only": "big.config"}' > "$W/faults.json"
timed "$BIN" run --config-url https://test-bucket.s3.us-east-1.amazonaws.com/big.config
t "--config-url streaming 2 GiB chunked: exit 100 at the limit" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'larger than the limit' $W/out"
t "... bounded in time" took 10
t "... nothing changed" unchanged
sent=$(sed -n 's/.*"bytes_sent": \([0-9]*\).*/\1/p' "$W/s3.log" | tail -1)
little() { [ -n "$sent" ] && [ "$sent" -lt 50000000 ]; }
t "... the server got to send little of it (${sent:-?} bytes)" little

# ---- body faults on a fetch with a digest: never a partial file taken as complete
head -c 3000000 /dev/urandom > "$W/s3/test-bucket/blob"
SHA=$(sha256sum < "$W/s3/test-bucket/blob" | cut -d' ' -f1)
fetch_fault() { # FAULT: fetch with the digest under the fault, every request
	echo "{\"$1\": true, \"only\": \"blob\"}" > "$W/faults.json"
	IN rm -f /var/cache/blob /var/cache/blob.partial
	timed "$BIN" fetch https://test-bucket.s3.us-east-1.amazonaws.com/blob -o /var/cache/blob --sha256 "$SHA"
}
no_file() { IN sh -c '! [ -e /var/cache/blob ] && ! [ -e /var/cache/blob.partial ]'; }
fetch_fault s3_long_body
t "body longer than Content-Length: the extra byte is not taken (exit 102 digest or 111), no file" bash -c "case \$(cat $W/rc) in 102|111) true;; *) false;; esac" 
t "... no file" no_file
fetch_fault s3_bad_chunk
t "chunk size not hex: exit 102 naming the chunk (a protocol error: not retried), no file" bash -c "[ \$(cat $W/rc) = 102 ] && grep -qi 'chunk' $W/out"
t "... no file" no_file
fetch_fault s3_tls_close_mid
t "TLS close_notify in mid-body: exit 111 (retried, then given up), no file" rc 111
t "... no file" no_file
echo '{}' > "$W/faults.json"
fetch_fault none
t "and with the faults gone: exit 0, the file complete" bash -c "[ \$(cat $W/rc) = 0 ] && nsenter -t $HOLDER -m -n sha256sum /var/cache/blob | grep -q $SHA"
t_summary
