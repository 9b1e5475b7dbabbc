#!/bin/bash
# test-vm/sandbox/network.sh BIN FAULT_BIN BACKEND
# The network library of the real static binary against a fake IMDSv2 and a fake S3 over
# TLS (test CA added to the sandbox's system bundle) that verifies SigV4, with faults.
# Prints TAP lines and a closing "N passed, N failed".
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

sbx_suite "network" "$@"
mkdir -p "$W/s3/test-bucket"
head -c 3000000 /dev/urandom > "$W/s3/test-bucket/blob.bin"
SHA=$(sha256sum < "$W/s3/test-bucket/blob.bin" | cut -d' ' -f1)
printf 'ECS_CLUSTER=from-url\nECS_ENGINE_AUTH_TYPE=dockercfg\nECS_LOGLEVEL=debug\n' > "$W/s3/test-bucket/ecs.config"

OUT=$W/out.bin
fetch() { rm -f "$OUT" "$OUT.partial"; IN env "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
got_blob() { [ -f "$OUT" ] && [ "$(sha256sum < "$OUT" | cut -d' ' -f1)" = "$SHA" ]; }
no_file() { [ ! -e "$OUT" ] && [ ! -e "$OUT.partial" ]; }
faults() { echo "$1" > "$W/faults.json"; }
s3_count() { grep -c "\"status\": $1" "$W/s3.log"; }

# ---- success paths
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT" --sha256 "$SHA"
t "s3:// with the instance role's temporary credentials: exit 0" rc 0
t "s3://: the file is the object, digest verified" got_blob
t "s3://: IMDSv2 token PUT, then role credentials" bash -c "grep -q '\"method\": \"PUT\", \"path\": \"/latest/api/token\"' $W/imds.log && grep -q 'security-credentials/ecsInstanceRole' $W/imds.log"
t "s3://: the fake S3 verified the signature (virtual-hosted name)" grep -q '"host": "test-bucket.s3.us-east-1.amazonaws.com", "method": "GET", "path": "/blob.bin", "status": 200' "$W/s3.log"
t "s3://: region came from IMDS" grep -q 'placement/region' "$W/imds.log"
fetch "$BIN" fetch https://s3.us-east-1.amazonaws.com/test-bucket/blob.bin -o "$OUT"
t "https:// (public object): exit 0 and the right bytes" got_blob
fetch AWS_ENDPOINT_URL_S3=https://s3.us-east-1.amazonaws.com AWS_REGION=us-east-1 "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "AWS_ENDPOINT_URL_S3 (path style) and AWS_REGION: exit 0" got_blob
fetch AWS_ACCESS_KEY_ID=AKIDSTATICTEST0001 AWS_SECRET_ACCESS_KEY=static/secret/for/tests/only AWS_REGION=us-east-1 "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "static credentials from the environment: exit 0" got_blob
fetch HTTPS_PROXY=http://127.0.0.1:3128 "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "through a CONNECT proxy: exit 0" got_blob
t "the proxy saw CONNECT to the bucket's host" grep -q '"method": "CONNECT", "target": "test-bucket.s3.us-east-1.amazonaws.com:443"' "$W/proxy.log"
t "IMDS was not sent through the proxy" bash -c "! grep -q 169.254.169.254 $W/proxy.log"
IN "$BIN" fetch s3://test-bucket/blob.bin -o - >"$W/stdout" 2>"$W/out"; echo $? >"$W/rc"
t "-o - writes to stdout" bash -c "[ \$(cat $W/rc) = 0 ] && [ \$(sha256sum < $W/stdout | cut -d' ' -f1) = $SHA ]"

# ---- refusals: exit codes and messages
fetch AWS_ACCESS_KEY_ID=AKIDSTATICTEST0001 AWS_SECRET_ACCESS_KEY=wrong-secret AWS_REGION=us-east-1 "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "wrong secret: exit 100" rc 100
t "wrong secret: S3's error code in the message" has "HTTP 403 SignatureDoesNotMatch"
t "wrong secret: no file" no_file
t "wrong secret: the secret is not in the output" bash -c "! grep -q wrong-secret $W/out"
fetch "$BIN" fetch s3://test-bucket/missing.bin -o "$OUT"
t "missing key: exit 100 with NoSuchKey" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'HTTP 404 NoSuchKey' $W/out"
fetch "$BIN" fetch https://s3.us-east-1.amazonaws.com:8443/test-bucket/blob.bin -o "$OUT"
t "untrusted CA: exit 102" rc 102
t "untrusted CA: the TLS library's reason by name" grep -qE "(BR_ERR_X509|MBEDTLS_X509_BADCERT)_NOT_TRUSTED \(chain could not be linked to a trust anchor\)" "$W/out"
t "untrusted CA: no file" no_file
fetch "$BIN" fetch https://wrong-name.example.test/test-bucket/blob.bin -o "$OUT"
t "wrong host name: exit 102" rc 102
t "wrong host name: the TLS library's reason by name" grep -qE "(BR_ERR_X509_BAD_SERVER_NAME|MBEDTLS_X509_BADCERT_CN_MISMATCH) \(certificate does not match the host name\)" "$W/out"
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT" --sha256 "$(printf '0%.0s' $(seq 64))"
t "digest mismatch: exit 102, no file" bash -c "[ \$(cat $W/rc) = 102 ] && [ ! -e $OUT ] && [ ! -e $OUT.partial ]"
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT" --sha256 xyz
t "malformed --sha256: exit 100" rc 100
fetch "$BIN" fetch ftp://x/y -o "$OUT"
t "unsupported scheme: exit 100" rc 100
fetch "$BIN" fetch
t "no URL: exit 100" rc 100

# ---- faults
faults '{"s3_slowdown": 2}'; n0=$(grep -c '"why": "fault:slowdown"' "$W/s3.log")
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "503 SlowDown twice then 200: exit 0" got_blob
t "503 SlowDown twice then 200: two 503s seen" [ $(( $(grep -c '"why": "fault:slowdown"' "$W/s3.log") - n0 )) = 2 ]
# throttling outlasts the 5 attempts other failures get (a fleet booting at once: bench-storm.sh);
# the fault's Retry-After: 0 is taken, spread by up to 1 s
faults '{"s3_slowdown": 7}'; n0=$(grep -c '"why": "fault:slowdown"' "$W/s3.log")
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "503 SlowDown 7 times then 200: exit 0 in one run, seven 503s seen" \
	bash -c "[ \$(cat $W/rc) = 0 ] && [ \$(( \$(grep -c '\"why\": \"fault:slowdown\"' $W/s3.log) - $n0 )) = 7 ]"
faults '{"s3_redirect": 1}'
fetch "$BIN" fetch https://test-bucket.s3.us-east-1.amazonaws.com/blob.bin -o "$OUT" --sha256 "$SHA"
t "307 redirect followed: exit 0, right bytes" got_blob
faults '{"s3_redirect": true}'
fetch "$BIN" fetch https://test-bucket.s3.us-east-1.amazonaws.com/blob.bin -o "$OUT"
t "endless redirects: stops after 5, exit 111, no file" bash -c "[ \$(cat $W/rc) = 111 ] && grep -q 'more than 5 redirects' $W/out && [ ! -e $OUT ]"
faults '{"s3_redirect_http": 1}'
fetch "$BIN" fetch https://test-bucket.s3.us-east-1.amazonaws.com/blob.bin -o "$OUT"
t "redirect from https to http: refused, exit 102" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'refusing a redirect from https' $W/out"
faults '{"s3_close_mid": 1}'
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "closed mid-body once: retried, exit 0, right bytes" got_blob
faults '{"s3_close_mid": true}'
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "closed mid-body every time: exit 111" rc 111
t "closed mid-body every time: says the body was short" has "body ended after"
t "closed mid-body every time: no file, no .partial" no_file
faults '{"s3_short_length": true}'
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "Content-Length larger than the body: exit 111, no file" bash -c "[ \$(cat $W/rc) = 111 ] && [ ! -e $OUT ]"
faults '{"s3_chunked": 1}'
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT" --sha256 "$SHA"
t "chunked body from the server: exit 0, digest verified" got_blob
faults '{"s3_trickle": 1}'
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT" --sha256 "$SHA"
t "response head trickled a byte at a time: exit 0" got_blob
faults '{"s3_stall": true}'
fetch ECS_BOOTSTRAP_HTTP_TIMEOUT=1 "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "server stalls past the timeout: exit 111, no file" bash -c "[ \$(cat $W/rc) = 111 ] && [ ! -e $OUT ] && [ ! -e $OUT.partial ]"
t "server stalls: the message says so" has "no data from the server for 1000 ms"
faults '{"imds_expire": 1}'
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "IMDS token refused once (401): a new token is fetched, exit 0" got_blob
faults '{}'
kill "$PID_imds"; wait "$PID_imds" 2>/dev/null
fetch "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "IMDS down: exit 111" rc 111
t "IMDS down: the message names IMDS" has "IMDS"
fetch AWS_EC2_METADATA_DISABLED=true "$BIN" fetch s3://test-bucket/blob.bin -o "$OUT"
t "AWS_EC2_METADATA_DISABLED=true: exit 100, says so" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q AWS_EC2_METADATA_DISABLED $W/out"
start imds python3 "$FAKE/fake_aws.py" imds --bind 169.254.169.254 --port 80 --faults "$W/faults.json"
for _ in $(seq 100); do IN curl -s -o /dev/null http://169.254.169.254/ && break; sleep 0.1; done

# ---- --config-url: merged between the file's keys and --set
IN sh -c 'mkdir -p /etc/ecs && printf "ECS_LOGLEVEL=warn\nMY_HAND_KEY=1\n" > /etc/ecs/ecs.config'
IN "$BIN" run --config-url s3://test-bucket/ecs.config --set ECS_LOGLEVEL=error >"$W/out" 2>&1; echo $? > "$W/rc"
t "--config-url: run exits 0" rc 0
t "preflight names the instance and its availability zone from IMDS" grep -q 'preflight: \[finished\] EC2 i-0123456789abcdef0 in us-east-1a,' "$W/out"
cfg() { grep -qx -- "$1" "$W/etc.upper/ecs/ecs.config" || { echo "ecs.config lacks '$1'"; cat "$W/etc.upper/ecs/ecs.config"; return 1; }; }
t "--config-url: fragment beats the file (ECS_CLUSTER)" cfg ECS_CLUSTER=from-url
t "--config-url: --set beats the fragment (ECS_LOGLEVEL)" cfg ECS_LOGLEVEL=error
t "--config-url: new fragment key added" cfg ECS_ENGINE_AUTH_TYPE=dockercfg
t "--config-url: hand-set key kept" cfg MY_HAND_KEY=1
IN "$BIN" plan --config-url s3://test-bucket/ecs.config --set ECS_LOGLEVEL=error >"$W/out" 2>&1; echo $? > "$W/rc"
t "--config-url: plan afterwards: nothing to do" rc 0
IN "$BIN" run --config-url s3://test-bucket/nope.config >"$W/out" 2>&1; echo $? > "$W/rc"
t "--config-url missing object: exit 100, ecs.config unchanged" bash -c "[ \$(cat $W/rc) = 100 ] && grep -qx ECS_CLUSTER=from-url $W/etc.upper/ecs/ecs.config"
head -c 400000 /dev/zero | tr '\0' 'a' | sed 's/^/K=/' > "$W/s3/test-bucket/huge.config"
IN "$BIN" run --config-url s3://test-bucket/huge.config >"$W/out" 2>&1; echo $? > "$W/rc"
t "--config-url answering 400 KB: refused (exit 100) with a clear message" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'larger than the limit' $W/out"

# ---- the TLS profile (BearSSL build): ECDHE with an AEAD suite; a server offering only CBC is
# refused in the handshake, one offering only ChaCha20-Poly1305 is used (openssl s_server)
if "$BIN" --version | grep -q '^TLS: BearSSL'; then
	tls_server() { # PORT CIPHER: openssl s_server serving the test bucket's files over TLS 1.2 with CIPHER only
		start "tls$1" sh -c "cd $W/s3/test-bucket && exec openssl s_server -quiet -accept $1 -tls1_2 -cipher $2 -cert $W/tls/s3.crt -key $W/tls/s3.key -WWW"
		for _ in $(seq 50); do IN bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null && return 0; sleep 0.1; done
		echo "s_server on $1 did not come up"; return 1
	}
	tls_server 9443 ECDHE-RSA-AES128-SHA
	fetch "$BIN" fetch https://s3.us-east-1.amazonaws.com:9443/blob.bin -o "$OUT"
	t "a server offering only a CBC suite: the handshake is refused (no AEAD suite in common), no file" \
		bash -c "[ \$(cat $W/rc) != 0 ] && grep -q 'TLS handshake' $W/out && [ ! -e $OUT ]"
	tls_server 9444 ECDHE-RSA-CHACHA20-POLY1305
	fetch "$BIN" fetch https://s3.us-east-1.amazonaws.com:9444/blob.bin -o "$OUT"
	t "a server offering only ChaCha20-Poly1305: fetched" bash -c "[ \$(cat $W/rc) = 0 ] && [ \"\$(sha256sum < $OUT | cut -d' ' -f1)\" = $SHA ] || { cat $W/out; tail -5 $W/tls9444.log; exit 1; }"
fi

# ---- the checkpoint scope uses IMDS's instance id when IMDS answers
t "instance id from IMDS in the ecs-config checkpoint" grep -q 'scope_id=i-0123456789abcdef0' "$W/varlib.upper/ecs-bootstrap/state/ecs-config"

t_summary
