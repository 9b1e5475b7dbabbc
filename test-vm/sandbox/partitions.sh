#!/bin/bash
# test-vm/sandbox/partitions.sh BIN FAULT_BIN BACKEND
# The other AWS partitions' S3 names: a fake S3 for cn-north-1 (aws-cn, amazonaws.com.cn) and
# one for us-gov-west-1 (aws-us-gov), each verifying SigV4 with its own region, under the names
# AWS gives them (the sandbox's /etc/hosts points them here); s3:// fetches and the agent
# image's default URL go to them.  Also `plan --json` and `status --json`, and the CA bundle
# variables (AWS_CA_BUNDLE, SSL_CERT_FILE).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true)
SBX_AGENT=standin SBX_STANDIN_WHY="only where the agent image comes from matters here"
sbx_suite "AWS partitions" "$@"

sh "$FAKE/gen-certs.sh" "$W/tls" partitions || { echo "not ok 1 - partition certificates"; exit 1; }
CN=cn-north-1 GOV=us-gov-west-1
for r in $CN $GOV; do
	mkdir -p "$W/s3-$r/test-bucket" "$W/s3-$r/test.dotted" "$W/s3-$r/amazon-ecs-agent-$r"
	echo "blob of $r" > "$W/s3-$r/test-bucket/blob.txt"
	echo "blob of $r" > "$W/s3-$r/test.dotted/blob.txt"
	cp "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar" "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar.asc" \
		"$W/s3-$r/amazon-ecs-agent-$r/"
done
IN sh -c "echo '127.0.0.3 s3.$CN.amazonaws.com.cn test-bucket.s3.$CN.amazonaws.com.cn' >> /etc/hosts
	echo '127.0.0.4 s3.$GOV.amazonaws.com test-bucket.s3.$GOV.amazonaws.com' >> /etc/hosts" || exit 1
start s3cn python3 "$FAKE/fake_aws.py" s3 --bind 127.0.0.3 --port 443 --root "$W/s3-$CN" --region $CN \
	--domain amazonaws.com.cn --anonymous-read --cert "$W/tls/part.crt" --key "$W/tls/part.key"
start s3gov python3 "$FAKE/fake_aws.py" s3 --bind 127.0.0.4 --port 443 --root "$W/s3-$GOV" --region $GOV \
	--anonymous-read --cert "$W/tls/part.crt" --key "$W/tls/part.key"
for _ in $(seq 100); do
	IN curl -s -o /dev/null https://s3.$CN.amazonaws.com.cn/ && IN curl -s -o /dev/null https://s3.$GOV.amazonaws.com/ && break
	sleep 0.1
done

run() { IN env "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
# logged NAME HOST PATH [signed]: the fake NAME served HOST PATH with 200 (signed: the request
# carried a SigV4 Authorization header, which the fake verified with its own region)
logged() {
	python3 - "$W/$1.log" "$2" "$3" "${4:-}" <<-'EOF'
	import json, sys
	log, host, path, signed = sys.argv[1:]
	rs = [json.loads(l) for l in open(log) if l.startswith("{")]
	hit = [r for r in rs if r.get("host", "").split(":")[0] == host and r.get("path") == path and r.get("status") == 200]
	assert hit and (not signed or hit[-1].get("x_signed") == "header"), rs[-3:]
	EOF
}
KEYS=(AWS_ACCESS_KEY_ID=AKIDSTATICTEST0001 AWS_SECRET_ACCESS_KEY=static/secret/for/tests/only)

run "${KEYS[@]}" AWS_REGION=$CN "$BIN" fetch s3://test-bucket/blob.txt -o -
t "aws-cn: s3:// with AWS_REGION=$CN: exit 0, the object" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'blob of $CN' $W/out"
t "aws-cn: asked of test-bucket.s3.$CN.amazonaws.com.cn, signed for $CN (the fake verified it)" \
	logged s3cn "test-bucket.s3.$CN.amazonaws.com.cn" /blob.txt signed
run "${KEYS[@]}" AWS_REGION=$GOV "$BIN" fetch s3://test-bucket/blob.txt -o -
t "aws-us-gov: s3:// with AWS_REGION=$GOV: exit 0, the object" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'blob of $GOV' $W/out"
t "aws-us-gov: asked of test-bucket.s3.$GOV.amazonaws.com, signed for $GOV" \
	logged s3gov "test-bucket.s3.$GOV.amazonaws.com" /blob.txt signed
run "${KEYS[@]}" AWS_REGION=$GOV "$BIN" fetch s3://test.dotted/blob.txt -o -
t "aws-us-gov: a dotted bucket goes path style to s3.$GOV.amazonaws.com" logged s3gov "s3.$GOV.amazonaws.com" /test.dotted/blob.txt signed

run "$BIN" run --region $CN --cluster part-cluster --no-start
t "run --region $CN: exit 0" rc 0
t "run --region $CN: the agent image from s3.$CN.amazonaws.com.cn/amazon-ecs-agent-$CN/" \
	logged s3cn "s3.$CN.amazonaws.com.cn" /amazon-ecs-agent-$CN/ecs-agent-latest.tar
t "run --region $CN: its signature from there too" \
	logged s3cn "s3.$CN.amazonaws.com.cn" /amazon-ecs-agent-$CN/ecs-agent-latest.tar.asc
t "run --region $CN: the image loaded is the one signed" [ "$(image_id_of amazon/amazon-ecs-agent:latest)" = "$AGENT_ID" ]
run "$BIN" plan --region $GOV --cluster part-cluster
t "plan --region $GOV: the agent from s3.$GOV.amazonaws.com/amazon-ecs-agent-$GOV/" has "https://s3.$GOV.amazonaws.com/amazon-ecs-agent-$GOV/ecs-agent-latest.tar"

# ---- plan --json and status --json (the field names the man page documents)
json_ok() { # COMMAND: one JSON document, schema 1, every step in order, its exit code inside
	python3 - "$W/out" "$(cat "$W/rc")" "$1" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	rc, cmd = int(sys.argv[2]), sys.argv[3]
	names = ["preflight", "sysctl", "nat", "ecs-config", "docker", "agent-image", "options", "host-dirs", "service", "wait"]
	assert d["schema"] == 1 and d["command"] == cmd and d["exit"] == rc, (d, rc)
	assert [s["name"] for s in d["steps"]] == names, d["steps"]
	for s in d["steps"]:
	    assert s["state"] in ("ok", "converged", "pending", "failed") and isinstance(s["detail"], str), s
	    if cmd == "status":
	        assert s["scope"] in ("run", "boot", "instance", "once"), s
	        assert s["checkpoint"] is None or (s["checkpoint"].endswith("Z") and s["checkpoint"][4] == "-"), s
	bad = [s for s in d["steps"] if s["state"] in ("pending", "failed")]
	if cmd == "status":
	    assert d["not_ok"] == len(bad) and d["agent"]["state"] in ("running", "exited", "absent", "unknown"), d
	else:
	    assert d["pending"] == len([s for s in bad if s["state"] == "pending"]), d
	assert (rc == 0) == (not bad), (rc, bad)
	EOF
}
run "$BIN" status --json --region $CN --cluster part-cluster
t "status --json: one document, schema 1, the nine steps with state, scope, checkpoint, detail; the agent; exit $(cat "$W/rc") inside" json_ok status
t "status --json: agent-image converged, its checkpoint time" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=[x for x in d["steps"] if x["name"]=="agent-image"][0]; assert s["state"]=="converged" and s["checkpoint"], s' "$W/out"
run "$BIN" plan --json --region $GOV --cluster part-cluster
t "plan --json: one document, exit 1 inside, agent-image pending with the new source" \
	bash -c "[ \$(cat $W/rc) = 1 ] && grep -q 'https://s3.$GOV.amazonaws.com/amazon-ecs-agent-$GOV/' $W/out"
t "plan --json: the schema" json_ok plan
run "$BIN" status --json --agent-version nonsense
t "status --json with a bad option value: exit 100, nothing on stdout but the error on stderr" bash -c "[ \$(cat $W/rc) = 100 ] && ! grep -q '^{' $W/out"
run "$BIN" run --json
t "--json is for plan and status only: exit 100" rc 100

# ---- the CA bundle: AWS_CA_BUNDLE (the AWS SDKs' name) first, else SSL_CERT_FILE, instead of
# the system bundle (which trusts the test CA here); the environment this runs in may set
# AWS_CA_BUNDLE itself (to the system bundle): SSL_CERT_FILE's case unsets it
run AWS_CA_BUNDLE=/nonexistent/ca.pem "$BIN" fetch https://s3.$CN.amazonaws.com.cn/test-bucket/blob.txt -o -
t "AWS_CA_BUNDLE that cannot be read: exit 100, naming AWS_CA_BUNDLE and the path" \
	bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'AWS_CA_BUNDLE' $W/out && grep -q '/nonexistent/ca.pem' $W/out"
run AWS_CA_BUNDLE="$W/tls/ca.crt" SSL_CERT_FILE=/nonexistent/other.pem "$BIN" fetch https://s3.$CN.amazonaws.com.cn/test-bucket/blob.txt -o -
t "AWS_CA_BUNDLE set: taken before SSL_CERT_FILE (which names nothing): exit 0" rc 0
run AWS_CA_BUNDLE="$W/tls/rogue-ca.crt" "$BIN" fetch https://s3.$CN.amazonaws.com.cn/test-bucket/blob.txt -o -
t "AWS_CA_BUNDLE with another CA: replaces the system bundle, the server is not trusted (exit 102)" \
	bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'NOT_TRUSTED' $W/out"
run -u AWS_CA_BUNDLE SSL_CERT_FILE=/nonexistent/ca.pem "$BIN" fetch https://s3.$CN.amazonaws.com.cn/test-bucket/blob.txt -o -
t "SSL_CERT_FILE alone that cannot be read: exit 100" rc 100
t "SSL_CERT_FILE alone that cannot be read: the error names SSL_CERT_FILE" has "SSL_CERT_FILE"
t_summary
