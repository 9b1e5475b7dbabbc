#!/bin/bash
# test-vm/sandbox/bench-fetch-nginx.sh BIN [MB] [RUNS]: `ecs-bootstrap fetch` against a server
# made for speed, next to curl on the same server: Debian's nginx in the namespace sandbox
# (lib.sh sbx_up; no Python fakes), serving an object of MB MiB (default 1024) from a tmpfs
# private to the sandbox over TLS 1.2 with the test CA's certificate for the S3 names
# (fakeaws/gen-certs.sh: RSA, so the ECDHE-RSA suites).  nginx is restarted for each cipher
# suite with ssl_ciphers set to that suite alone, so both clients negotiate it; the suite each
# request actually used is read back from nginx's log ($ssl_protocol $ssl_cipher) and printed.
# Two modes: body to /dev/null (network + TLS only) and to a file on the same tmpfs (ours:
# .partial, fsync, rename).  Per case, RUNS runs (default 3) alternating ours and curl: median
# wall seconds, MiB/s, ratio ours/curl in time (< 1: ours is faster), the clients' CPU seconds
# (user+sys, median), peak RSS (GNU time %M, the largest of the runs) and the nginx worker's CPU
# seconds while it served each (which side limits the transfer).  Then
# `openssl speed -evp` (16 KiB blocks, one core, encryption and -decrypt) as the limit of the
# decryption.  nginx: one worker (the machine has few cores); the client is not pinned.
# Where ours is slower than curl to /dev/null (by more than 5%; PERF=1: always, PERF=0: never), one
# of its fetches is recorded with `perf record` and the hot functions printed (symbols from
# BIN.debug when it exists), and one of curl's for comparison.  After the table, the limits:
# `openssl speed -evp` and ours' own ciphers (bench-aead.c: our ChaCha20 and Poly1305 and
# BearSSL's, built against build/musl/tp/libbearssl.a).
# Env: CIPHERS="..." the OpenSSL suite names to test (default: the two below).
# Needs root and nginx (apt-get install nginx-light, or nginx); prints figures, asserts nothing.
set -uo pipefail
BIN=$(realpath "${1:?usage: bench-fetch-nginx.sh BIN [MB] [RUNS]}") || exit 2
MB=${2:-1024}; RUNS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install nginx-light)"; exit 2; }
CIPHERS=(${CIPHERS:-ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-CHACHA20-POLY1305})
BYTES=$((MB * 1048576))
HOST=s3.us-east-1.amazonaws.com
URL=https://$HOST/bench/big.bin
PID_nginx=

stop_nginx() {
	[ -n "$PID_nginx" ] || return 0
	kill "$PID_nginx" 2>/dev/null; wait "$PID_nginx" 2>/dev/null
	local keep=() p
	for p in "${SBX_PIDS[@]}"; do [ "$p" = "$PID_nginx" ] || keep+=("$p"); done
	SBX_PIDS=("${keep[@]}")
	PID_nginx=
}
trap 'stop_nginx; sbx_down' EXIT
trap 'exit 130' INT TERM

sbx_up nft >/dev/null || exit 1
sh "$FAKE/gen-certs.sh" "$W/tls" || exit 1
# the tmpfs (only this sandbox's mount namespace sees it; it goes with the namespace)
T=$W/tmpfs
mkdir -p "$T" "$W/nginx" || exit 1
IN bash -euc "
	echo '127.0.0.1 s3.amazonaws.com s3.us-east-1.amazonaws.com' >> /etc/hosts
	cat $W/tls/ca.crt >> /etc/ssl/certs/ca-certificates.crt
	mount -t tmpfs -o size=$((MB * 3 + 64))m,mode=0755 tmpfs $T
	mkdir -p $T/www/bench
	head -c $BYTES /dev/urandom > $T/www/bench/big.bin
" || { echo "sandbox setup failed"; exit 1; }

# nginx.conf for CIPHER: TLS 1.2 only, that one suite, one worker, the object from the tmpfs;
# each request logged with the protocol and suite it used and who asked (user agent)
nginx_conf() {
	cat <<-EOF
	daemon off;
	master_process on;
	worker_processes 1;
	user root;
	pid $W/nginx/nginx.pid;
	error_log $W/nginx/error.log warn;
	events { worker_connections 64; }
	http {
		types { }
		default_type application/octet-stream;
		log_format bench '\$ssl_protocol \$ssl_cipher "\$http_user_agent" \$status \$body_bytes_sent \$request_time';
		access_log $W/nginx/access.log bench;
		client_body_temp_path $W/nginx/body;
		proxy_temp_path $W/nginx/proxy;
		fastcgi_temp_path $W/nginx/fastcgi;
		uwsgi_temp_path $W/nginx/uwsgi;
		scgi_temp_path $W/nginx/scgi;
		sendfile off;
		output_buffers 2 256k;
		keepalive_timeout 5;
		server {
			listen 127.0.0.1:443 ssl;
			server_name $HOST s3.amazonaws.com;
			ssl_certificate $W/tls/s3.crt;
			ssl_certificate_key $W/tls/s3.key;
			ssl_protocols TLSv1.2;
			ssl_ciphers $1;
			ssl_prefer_server_ciphers on;
			ssl_buffer_size 16k;
			root $T/www;
			location / { }
		}
	}
	EOF
}
start_nginx() { # CIPHER
	nginx_conf "$1" > "$W/nginx/nginx.conf"
	: > "$W/nginx/access.log"
	IN nginx -t -q -c "$W/nginx/nginx.conf" || { cat "$W/nginx/error.log"; return 1; }
	IN_BG nginx -c "$W/nginx/nginx.conf" >>"$W/nginx/stderr.log" 2>&1
	PID_nginx=$BG_PID
	for _ in $(seq 100); do
		IN curl -s -o /dev/null "https://$HOST/" && NGX_WORKER=$(pgrep -P "$PID_nginx" | head -1) && [ -n "$NGX_WORKER" ] && return 0
		sleep 0.05
	done
	echo "nginx did not come up"; tail -5 "$W/nginx/error.log" "$W/nginx/stderr.log"; return 1
}

# one LABEL CMD...: run CMD in the sandbox under GNU time -> "wall_seconds cpu_seconds maxrss_kib"
one() {
	local label=$1; shift
	local s e
	s=$(date +%s%N)
	IN /usr/bin/time -f '%U %S %M' -o "$W/time.$label" "$@" >/dev/null 2>"$W/err.$label" ||
		{ echo "$label failed: $*" >&2; cat "$W/err.$label" >&2; return 1; }
	e=$(date +%s%N)
	awk -v s="$s" -v e="$e" '{ printf "%.3f %.2f %d\n", (e - s) / 1e9, $1 + $2, $3 }' "$W/time.$label"
}
# the nginx worker's CPU time so far, in clock ticks
ngx_ticks() { awk '{ print $14 + $15 }' "/proc/$NGX_WORKER/stat" 2>/dev/null || echo 0; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
size_ok() { # FILE: the sandbox's copy has all the bytes
	local n; n=$(IN stat -c %s "$1" 2>/dev/null)
	[ "$n" = "$BYTES" ] || { echo "$1: $n bytes, want $BYTES" >&2; return 1; }
}

ROWS=$W/rows
: > "$ROWS"
fail=0
# bench CIPHER MODE: RUNS x (ours, curl); appends a row to $ROWS
bench() {
	local cipher=$1 mode=$2 i who
	local -A sec=() cpu=() rss=() srv=()
	local t0 hz; hz=$(getconf CLK_TCK)
	for i in $(seq "$RUNS"); do
		for who in ours curl; do
			local out=/dev/null
			[ "$mode" = file ] && out=$T/out.$who && IN rm -f "$out"
			t0=$(ngx_ticks)
			if [ "$who" = ours ]; then
				set -- $(one "$who" "$BIN" fetch "$URL" -o "$out")
			else
				set -- $(one "$who" curl -sS -A bench-curl -o "$out" "$URL")
			fi
			srv[$who]+="$(awk -v a="$t0" -v b="$(ngx_ticks)" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz }') "
			[ $# = 3 ] || { fail=1; return 1; }
			[ "$mode" = file ] && { size_ok "$out" || { fail=1; return 1; }; IN rm -f "$out"; }
			sec[$who]+="$1 " cpu[$who]+="$2 " rss[$who]+="$3 "
		done
	done
	local so sc co cc ro rc
	so=$(printf '%s\n' ${sec[ours]} | median); sc=$(printf '%s\n' ${sec[curl]} | median)
	co=$(printf '%s\n' ${cpu[ours]} | median); cc=$(printf '%s\n' ${cpu[curl]} | median)
	ro=$(printf '%s\n' ${rss[ours]} | sort -n | tail -1); rc=$(printf '%s\n' ${rss[curl]} | sort -n | tail -1)
	local no nc
	no=$(printf '%s\n' ${srv[ours]} | median); nc=$(printf '%s\n' ${srv[curl]} | median)
	echo "$cipher $mode $so $sc $co $cc $ro $rc $no $nc" >> "$ROWS"
}
# negotiated: what nginx logged for the requests of the last bench: "ours: PROTO SUITE (n), curl: ..."
negotiated() {
	awk '$3 ~ /^"(ecs-bootstrap|bench-curl)/ && $4 == 200 {
		who = ($3 ~ /bench-curl/) ? "curl" : "ours"; k = who ": " $1 " " $2; n[k]++; b[k] += $5
	} END { for (k in n) printf "%s (%d requests, %.0f MiB each)\n", k, n[k], b[k] / n[k] / 1048576 }' "$W/nginx/access.log" | sort
}

# perf_hot CIPHER: `perf record -g` of one ours-to-/dev/null fetch, the hottest functions.  The
# binary has no build id: perf reads the symbols of BIN from BIN.debug through a --symfs tree
perf_hot() {
	command -v perf >/dev/null || { echo "(perf not installed)"; return 0; }
	local symfs=() sym=$BIN
	if [ -f "$BIN.debug" ]; then
		mkdir -p "$W/symfs$(dirname "$BIN")" && cp "$BIN.debug" "$W/symfs$BIN" && symfs=(--symfs "$W/symfs") sym=$BIN.debug
	fi
	IN perf record -q -g -F 2000 -o "$W/perf.$1.data" -- "$BIN" fetch "$URL" -o /dev/null \
		>/dev/null 2>"$W/perf.$1.err" || { echo "perf record failed:"; tail -3 "$W/perf.$1.err"; return 0; }
	echo "# perf, ours to /dev/null, $1: self %, top 20 (symbols from $sym):"
	# (--symfs would also move /proc/kallsyms: the kernel's symbols are named apart)
	perf report -i "$W/perf.$1.data" "${symfs[@]}" --kallsyms=/proc/kallsyms --no-children --sort dso,sym --stdio 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -20
	echo "# by DSO:"
	perf report -i "$W/perf.$1.data" "${symfs[@]}" --kallsyms=/proc/kallsyms --no-children --sort dso --stdio 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -4
	# curl on the same server, for comparison
	IN perf record -q -g -F 2000 -o "$W/perf.$1.curl.data" -- curl -sS -A bench-curl -o /dev/null "$URL" >/dev/null 2>&1 &&
		{ echo "# perf, curl to /dev/null, $1: by DSO (Debian's libcrypto has no symbols here):"
		  perf report -i "$W/perf.$1.curl.data" --kallsyms=/proc/kallsyms --no-children --sort dso --stdio 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -5; }
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)
echo "# fetch of $MB MiB over TLS 1.2 from nginx $(nginx -v 2>&1 | sed 's,.*/,,') (1 worker) on loopback in a namespace sandbox,"
echo "# object and file outputs on tmpfs; $RUNS runs each, ours and curl alternating; $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')),"
echo "# load average at start $LOAD0; $("$BIN" --version 2>&1 | head -1); $(curl --version | head -1 | cut -d' ' -f1-2,5)"
for c in "${CIPHERS[@]}"; do
	start_nginx "$c" || { fail=1; break; }
	for mode in null file; do bench "$c" "$mode" || break; done
	echo "# negotiated with ssl_ciphers $c:"
	negotiated | sed 's/^/#   /'
	# ours slower than curl (to /dev/null, by more than 5%), or PERF=1: where ours spends its time
	slower=$(awk -v c="$c" '$1 == c && $2 == "null" { print ($3 > $4 * 1.05) ? 1 : 0 }' "$ROWS")
	[ "${PERF:-}" = 1 ] || { [ "$slower" = 1 ] && [ "${PERF:-}" != 0 ]; } && perf_hot "$c"
	stop_nginx
done

echo
printf '%-30s %-9s %8s %8s %8s %8s %7s %8s %8s %9s %9s %8s %8s\n' "cipher (nginx ssl_ciphers)" "to" "ours s" "curl s" \
	"ours" "curl" "ours/" "ours" "curl" "ours RSS" "curl RSS" "nginx" "nginx"
printf '%-30s %-9s %8s %8s %8s %8s %7s %8s %8s %9s %9s %8s %8s\n' "" "" "median" "median" "MiB/s" "MiB/s" "curl" "CPU s" "CPU s" "KiB" "KiB" \
	"CPU s" "CPU s"
printf '%-30s %-9s %8s %8s %8s %8s %7s %8s %8s %9s %9s %8s %8s\n' "" "" "" "" "" "" "(time)" "" "" "" "" "(ours)" "(curl)"
while read -r c m so sc co cc ro rc no nc; do
	awk -v c="$c" -v m="$([ "$m" = null ] && echo /dev/null || echo "file")" -v so="$so" -v sc="$sc" -v co="$co" \
		-v cc="$cc" -v ro="$ro" -v rc="$rc" -v no="$no" -v nc="$nc" -v mb="$MB" 'BEGIN {
		printf "%-30s %-9s %8.3f %8.3f %8.0f %8.0f %6.2fx %8.2f %8.2f %9d %9d %8.2f %8.2f\n", c, m, so, sc, mb / so, mb / sc, so / sc, co, cc, ro, rc, no, nc }'
done < "$ROWS"
echo "# CPU s: user+sys of the client (GNU time) and of the nginx worker while it served that client (/proc/PID/stat),"
echo "# medians; a side whose CPU seconds are close to the wall seconds is the one that limits the transfer"

# the limit: OpenSSL's AEAD on one core, 16 KiB blocks (a TLS record's size)
echo
echo "# the decryption limit: $(openssl version), one core, 16 KiB blocks (MiB/s)"
for a in aes-128-gcm chacha20-poly1305; do
	enc=$(openssl speed -mr -seconds 3 -bytes 16384 -evp "$a" 2>/dev/null | awk -F: '/^\+F:/ { print $4 }')
	dec=$(openssl speed -mr -seconds 3 -bytes 16384 -decrypt -evp "$a" 2>/dev/null | awk -F: '/^\+F:/ { print $4 }')
	awk -v a="$a" -v e="${enc:-0}" -v d="${dec:-0}" 'BEGIN { printf "openssl speed -evp %-18s encrypt %7.0f MiB/s, -decrypt %7.0f MiB/s\n", a, e / 1048576, d / 1048576 }'
done
# ours' own limit: the record layer's ciphers as the binary links them (bench-aead.c: src/lib/chacha20.c
# and the tree's build/musl/tp/libbearssl.a; CPU time, one core, 16 KiB records)
SRC=$(cd "$HERE/../.." && pwd)
if command -v musl-gcc >/dev/null && [ -f "$SRC/build/musl/tp/libbearssl.a" ] &&
	musl-gcc -O2 -I"$SRC/src" -isystem "$SRC/third_party/cache/bearssl/inc" "$HERE/bench-aead.c" "$SRC/src/lib/chacha20.c" \
		"$SRC/build/musl/tp/libbearssl.a" -o "$W/bench-aead" 2>/dev/null; then
	echo "# ours' ciphers (bench-aead.c against build/musl/tp/libbearssl.a; CPU time, one core, 16 KiB records)"
	"$W/bench-aead"
fi
echo "# took $(( $(date +%s) - START )) s; load average at end $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$fail"
