#!/bin/bash
# test-vm/sandbox/realagent.sh BIN FAULT_BIN BACKEND
# The real Amazon ECS agent (1.105.1, built from source: shared/realagent/SOURCES.md) installed
# by `ecs-bootstrap run` and registering with a fake ECS control plane as strict as AWS
# (fake_aws.py ecs: TLS with the test CA, SigV4 on every request, the JSON API and the ACS and
# telemetry websockets): registered exactly once in the cluster asked for, with the role's
# credentials; still running after the websockets opened; a re-run changes nothing; `agent`
# (ecs.service) brings a killed agent back, registered again as the same container instance.
# Tasks: the fake's ACS places tasks (fake_aws.py ecs --tasks) whose program (build/task-probe,
# in a local image loaded into the sandbox's dockerd; ECS_IMAGE_PULL_BEHAVIOR=prefer-cached)
# fetches its task role's credentials from 169.254.170.2 through the rules ecs-bootstrap
# installs: a bridge-mode and a host-mode task RUNNING then STOPPED with exit 0; with
# route_localnet=0 the bridge task fails; a re-run puts it back.
# REAL_AGENT: the gzip'd docker-save archive (lib.sh; default: ../shared/realagent/ beside the checkout).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
VERSION=$REAL_AGENT_VERSION

SBX_AGENT=real SBX_ECS_ARGS=(--clusters real)
sbx_suite "the real ECS agent $VERSION" "$@"
t "setup: the real agent published (signed with the test key), the fake ECS up, the tasks' image loaded" \
	[ "$(image_id_of task-probe:latest)" != "" ]
# ecs.config: no ECS_BACKEND_HOST, no SSL_CERT_FILE (lib.sh, use_real): the agent finds ECS at its default endpoint for the
# region (the sandbox's /etc/hosts sends it to the fake) and trusts the test CA through the
# system bundle ecs-bootstrap gives it (/etc/ssl, SSL_CERT_DIR)
registrations() { ecs_calls RegisterContainerInstance | grep -c .; }
metadata() { IN curl -s -m 2 http://127.0.0.1:51678/v1/metadata; }
meta_field() { metadata | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1',''))" 2>/dev/null; }
ctr() { docker_api "http://d/containers/ecs-agent/json"; }
ctr_field() { ctr | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" 2>/dev/null; }

t0=$(date +%s.%N)
IN "$BIN" run --cluster real --wait=120 >"$W/out" 2>&1; echo $? >"$W/rc"
t1=$(date +%s.%N)
echo "# figure: first run to registered $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s (run --wait: download, verify and load the real agent's 82 MiB, start it, registered)"
run_ok() { rc 0 || { agent_log_tail; return 1; }; }
t "run --cluster real --wait: exit 0" run_ok

once_in_real() {
	ecs_calls RegisterContainerInstance | python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin]
new = [r for r in rs if r.get("new_instance")]
assert len(new) == 1, "want one new container instance, got %d: %s" % (len(new), rs)
r = new[0]
# an SDK retry (same clientToken) is answered with the same instance, as ECS does
assert all(x["status"] == 200 and x["arn"] == r["arn"] and (x is r or x.get("replay")) for x in rs), rs
assert r["cluster"] == "real", r
assert r["akid"] == "ASIATEMPORARYTEST01", r                     # the role credentials from the fake IMDS
assert r["arn"].startswith("arn:aws:ecs:us-east-1:123456789012:container-instance/real/"), r
assert r["ec2_instance_id"] == "i-0123456789abcdef0", r          # its identity document, signature checked
if len(rs) > 1:
    print("%d calls: the SDK retried with the same clientToken" % len(rs))'
}
t "the fake ECS: RegisterContainerInstance exactly once, cluster real, SigV4 with the role's key, the instance's identity" once_in_real
ARN=$(ecs_calls RegisterContainerInstance | python3 -c 'import json,sys; print([json.loads(l) for l in sys.stdin][0]["arn"])' 2>/dev/null)
N1=$(registrations)
t "--wait's output names the ARN the fake issued" has "registered: cluster real, $ARN"
t "/v1/metadata on 127.0.0.1:51678: the same ARN, cluster real" [ "$(meta_field ContainerInstanceArn) $(meta_field Cluster)" = "$ARN real" ]
version_is() { local v; v=$(meta_field Version); [[ $v == "Amazon ECS Agent - v$VERSION "* ]] || { echo "version: $v"; return 1; }; }
t "the agent's version is $VERSION (/v1/metadata)" version_is
t "... and --wait printed it" has "v$VERSION"
every_call_ok() {
	ecs_calls | python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin]
bad = [r for r in rs if r["op"] not in ("GET /", "tls") and r.get("status") not in (200, 101, None)]
assert not bad, "calls the fake refused: %s" % bad
ops = {r["op"] for r in rs}
assert "DiscoverPollEndpoint" in ops, ops
print(sorted(ops))'
}
t "every call the agent made was signed right and answered (DiscoverPollEndpoint among them)" every_call_ok
ws_up() { # ENDPOINT: a websocket to it was upgraded, for this instance
	for _ in $(seq 50); do
		ecs_calls ws-connect | grep '"status": 101' | grep "\"endpoint\": \"$1\"" | grep -qF "\"arn\": \"$ARN\"" && return 0
		sleep 0.2
	done
	ecs_calls | tail -5; return 1
}
t "the ACS websocket (ecs-a-1): SigV4-signed, upgraded and open" ws_up acs
t "the telemetry websocket (ecs-t-1): SigV4-signed, upgraded and open" ws_up tcs

telemetry_signed() { # the telemetry client signs every message (a signed request inside the frame)
	ecs_calls ws-message | python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin if "\"tcs\"" in l]
assert rs, "no telemetry message yet"
bad = [r for r in rs if r.get("akid") != "ASIATEMPORARYTEST01" or not r.get("type")]
assert not bad, bad
print(sorted({r["type"] for r in rs}))'
}
t "every telemetry message: SigV4-signed with the role's key" telemetry_signed

# ---- tasks placed through the fake's ACS
task_debug() { # the task's container's output (the probe prints what it got)
	local id
	id=$(docker_api "http://d/containers/json?all=1" | python3 -c '
import json, sys
for c in json.load(sys.stdin):
    if c["Labels"].get("com.amazonaws.ecs.task-arn") == sys.argv[1]:
        print(c["Id"])' "$1" 2>/dev/null | head -1)
	[ -n "$id" ] && docker_api "http://d/containers/$id/logs?stdout=1&stderr=1" | tr -d '\000-\010' | head -c 2000
	agent_log_tail
}
BRIDGE=$(place bridge bridge ASIATASKROLEBRIDGE)
HOST=$(place host host ASIATASKROLEHOST)
t "a bridge-mode task placed through ACS: RUNNING, then STOPPED with exit 0 (its role's credentials from 169.254.170.2 via PREROUTING DNAT)" task_ended "$BRIDGE" 0
t "a host-mode task placed through ACS: RUNNING, then STOPPED with exit 0 (via OUTPUT REDIRECT)" task_ended "$HOST" 0
netmodes() { # the tasks' containers as the agent created them: on docker0's bridge, on the host's network
	docker_api "http://d/containers/json?all=1" | python3 -c '
import json, sys
m = {c["Labels"].get("com.amazonaws.ecs.task-arn"): c["HostConfig"]["NetworkMode"] for c in json.load(sys.stdin)}
got = (m.get(sys.argv[1]), m.get(sys.argv[2]))
assert got[0] in ("bridge", "default") and got[1] == "host", got' "$BRIDGE" "$HOST"
}
t "... their containers: the bridge task on Docker's bridge, the host task on the host's network" netmodes
FIRST=$(ctr_field 'd["Id"]')
# 20 s after it registered (the fake's ACS sends only heartbeats and the payloads above), the agent still runs
left=$(awk -v now="$(date +%s.%N)" -v t1="$t1" 'BEGIN { l = 20 - (now - t1); printf "%.1f", (l > 0 ? l : 0) }')
sleep "$left"
still_running() {
	[ "$(ctr_field 'd["State"]["Running"], d["RestartCount"], d["Id"]')" = "True 0 $FIRST" ] ||
		{ ctr_field 'd["State"]'; agent_log_tail; return 1; }
	[ "$(meta_field ContainerInstanceArn)" = "$ARN" ]
}
t "20 s later the agent container still runs (never restarted) and is registered" still_running

IN "$BIN" run --cluster real --wait=30 >"$W/out" 2>&1; echo $? >"$W/rc"
rerun_ok() { rc 0 && has "registered: cluster real, $ARN"; }
t "a re-run: exit 0, registered" rerun_ok
nothing_changed() { grep -q 'converged: [0-9]* steps, 0 changed' "$W/out" || { cat "$W/out"; return 1; }; }
t "... converged: nothing changed" nothing_changed
t "... the same container, no second registration" [ "$(ctr_field 'd["Id"]') $(registrations)" = "$FIRST $N1" ]

# without route_localnet, the DNAT to 127.0.0.1:51679 is dropped as martian: the bridge task fails
IN sh -c 'echo 0 > /proc/sys/net/ipv4/conf/all/route_localnet'
NOLOCAL=$(place nolocal bridge ASIATASKROLENOLOCAL)
t "route_localnet=0: a bridge-mode task cannot reach its credentials, STOPPED with a non-zero exit" task_ended "$NOLOCAL" nonzero
IN "$BIN" run --cluster real --wait=30 >"$W/out" 2>&1; echo $? >"$W/rc"
restored() { rc 0 && has "route_localnet 0 -> 1" && [ "$(IN cat /proc/sys/net/ipv4/conf/all/route_localnet)" = 1 ]; }
t "a re-run puts route_localnet back to 1" restored
AGAIN=$(place again bridge ASIATASKROLEAGAIN)
t "... and a bridge-mode task gets its credentials again: STOPPED with exit 0" task_ended "$AGAIN" 0

# ecs.service's `agent` when the agent container is gone (killed and removed): a new container,
# whose agent restores its checkpoint from /var/lib/ecs/data and registers the same instance again
docker_api -X DELETE "http://d/containers/ecs-agent?force=1" >/dev/null
IN_BG "$BIN" agent >>"$W/agent.log" 2>&1; AGENT=$BG_PID
back() {
	for _ in $(seq 300); do [ "$(registrations)" -gt "$N1" ] && [ "$(meta_field ContainerInstanceArn)" = "$ARN" ] && return 0; sleep 0.2; done
	tail -5 "$W/agent.log"; agent_log_tail; return 1
}
t "agent: the real agent back (a new container), registered" back
t "... a new container" [ "$(ctr_field 'd["Id"]')" != "$FIRST" ]
rereg() {
	ecs_calls RegisterContainerInstance | python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin][int(sys.argv[2]):]
assert rs and all(r["status"] == 200 and r.get("reregistration") and not r.get("new_instance") and
                  r["arn"] == sys.argv[1] and r["cluster"] == "real" for r in rs), rs' "$ARN" "$N1"
}
t "... as the same container instance: its checkpoint's ARN re-registered, no new instance" rereg
kill -TERM "$AGENT"; wait "$AGENT"; rct=$?
t "SIGTERM: agent exits 0 and the real agent's container is stopped" [ "$rct $(ctr_field 'd["State"]["Running"]')" = "0 False" ]

# The fake is as strict as AWS: what the agent got through, a wrong signature would not have.
call() { IN python3 "$FAKE/fake_aws.py" ecs-call "$ECS_URL" "$@" 2>&1; }
answers() { # WANT CALL-ARGS...: the call's status and __type
	local want=$1 got; shift
	got=$(call "$@" | python3 -c 'import json,sys; s,_,b=sys.stdin.read().partition(" "); print(s, json.loads(b).get("__type", "-"))' 2>&1)
	[ "$got" = "$want" ] || { echo "$* -> $got, want $want"; return 1; }
}
DPE=(DiscoverPollEndpoint "{\"cluster\": \"real\", \"containerInstance\": \"$ARN\"}")
strict_sigv4() {
	answers "200 -" "${DPE[@]}" &&
	answers "403 InvalidSignatureException" "${DPE[@]}" --secret wrong/secret &&
	answers "403 UnrecognizedClientException" "${DPE[@]}" --akid AKIDNOTKNOWNTOTHEFAKE &&
	answers "403 UnrecognizedClientException" "${DPE[@]}" --no-token &&
	answers "400 MissingAuthenticationTokenException" "${DPE[@]}" --unsigned &&
	answers "403 InvalidSignatureException" "${DPE[@]}" --service s3 &&
	answers "403 InvalidSignatureException" "${DPE[@]}" --region us-west-2
}
t "the fake ECS checks SigV4 as AWS does: 200 signed right; wrong secret, unknown key, no session token, unsigned, other scope refused" strict_sigv4
strict_api() {
	local doc; doc=$(IN python3 -c 'import json; print(json.dumps(json.dumps({"accountId": "123456789012", "region": "us-east-1", "instanceId": "i-0forged"})))')
	answers "400 ClientException" RegisterContainerInstance "{\"cluster\": \"real\", \"instanceIdentityDocument\": $doc, \"instanceIdentityDocumentSignature\": \"Zm9yZ2Vk\"}" &&
	answers "400 ClusterNotFoundException" DiscoverPollEndpoint '{"cluster": "no-such-cluster"}' &&
	answers "400 UnknownOperationException" NoSuchOperation '{}'
}
t "... and refuses a forged identity document, an unknown cluster, an operation ECS does not have" strict_api
t_summary
