#!/bin/bash
# test-vm/sandbox/update.sh BIN FAULT_BIN BACKEND
# Agent updates with the real agent, under `ecs-bootstrap agent` (what ecs.service runs): the
# fake ECS sends what UpdateContainerAgent makes ECS send (StageUpdateMessage, then, acked,
# PerformUpdateMessage) pointing at a newer agent in the fake S3 (the real 1.105.1 with its
# version string made 1.105.9: test-vm/agent/bump-version.py), which Amazon's bucket also
# publishes as latest with its signature; the agent downloads it (checking the message's
# SHA-256), exits 42, and `agent` verifies it against the trust set with the source's signature
# before loading it: the new version runs and re-registers as the same container instance, and
# a later run keeps it.  A tampered update (the right SHA-256 in the message, no valid
# signature) is refused and removed, and the agent restarts on its current image.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)
SBX_ECS_ARGS=(--clusters upd)

sbx_suite "agent updates (exit 42) with the real agent" "$@"
BUCKET=$W/s3/amazon-ecs-agent-us-east-1
metadata() { IN curl -s -m 2 http://127.0.0.1:51678/v1/metadata; }
meta_field() { metadata | python3 -c "import json,sys; print(json.load(sys.stdin).get('$1',''))" 2>/dev/null; }
ctr_image() { docker_api http://d/containers/ecs-agent/json | python3 -c 'import json,sys; print(json.load(sys.stdin)["Image"])' 2>/dev/null; }
version_is() { for _ in $(seq 300); do [[ $(meta_field Version) == "Amazon ECS Agent - v$1 "* ]] && return 0; sleep 0.2; done; echo "version: $(meta_field Version)"; agent_log_tail; tail -5 "$W/agent.log"; return 1; }
update() { # NAME FILE: ECS sends an update to the agent at the bucket's NAME (FILE's sha256)
	python3 -c 'import json,sys; json.dump({"location": sys.argv[1], "signature": sys.argv[2]}, open(sys.argv[3], "w"))' \
		"https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/$1" "$(sha256sum < "$2" | cut -d' ' -f1)" "$W/tasks/update-$1.json.tmp" &&
		mv "$W/tasks/update-$1.json.tmp" "$W/tasks/update-$1.json"
}

# an instance with the real agent under `agent`, registered
IN "$BIN" run --cluster upd --no-start >"$W/out" 2>&1
t "run --no-start: exit 0 (image loaded)" bash -c "grep -q 'converged: ' $W/out || { cat $W/out; false; }"
IN_BG "$BIN" agent >>"$W/agent.log" 2>&1; AGENT=$BG_PID
t "agent: the real agent $REAL_AGENT_VERSION registered" version_is "$REAL_AGENT_VERSION"
ARN=$(meta_field ContainerInstanceArn)
OLD_ID=$(ctr_image)

# Amazon publishes a newer agent (and re-points latest to it, with its signature); ECS updates
python3 "$HERE/../agent/bump-version.py" "$REAL_AGENT" "$BUCKET/ecs-agent-v1.105.9.tar" "$REAL_AGENT_VERSION" 1.105.9 >/dev/null
sign_file "$BUCKET/ecs-agent-v1.105.9.tar"
cp "$BUCKET/ecs-agent-v1.105.9.tar" "$BUCKET/ecs-agent-latest.tar" && cp "$BUCKET/ecs-agent-v1.105.9.tar.asc" "$BUCKET/ecs-agent-latest.tar.asc"
NEW_ID=$(archive_image_id "$BUCKET/ecs-agent-v1.105.9.tar")
update ecs-agent-v1.105.9.tar "$BUCKET/ecs-agent-v1.105.9.tar"
staged() {
	for _ in $(seq 300); do grep -q '"type": "PerformUpdateMessage"' <<<"$(ecs_calls acs-send)" && return 0; sleep 0.2; done
	ecs_calls | grep -i 'update\|Nack' | tail -5; return 1
}
t "the fake ECS: StageUpdateMessage acked by the agent, then PerformUpdateMessage" staged
t "agent: the update verified against the trust set" bash -c "for _ in \$(seq 300); do grep -q 'update /var/cache/ecs/.*verified: ' $W/agent.log && exit 0; sleep 0.2; done; tail -5 $W/agent.log; exit 1"
t "the agent restarted on the new version (1.105.9, /v1/metadata)" version_is 1.105.9
t "... its container runs the new image" [ "$(ctr_image)" = "$NEW_ID" ]
t "... the same container instance (its data kept)" [ "$(meta_field ContainerInstanceArn)" = "$ARN" ]
reconnected_new() { grep -q '"agentVersion": "1.105.9"' <<<"$(ecs_calls ws-connect)"; }
t "... the fake ECS sees the new version connect" reconnected_new
cache_is_new() {
	IN test ! -e /var/cache/ecs/desired-image && [ -z "$(IN sh -c 'ls /var/cache/ecs/*.ecs-update.tar 2>/dev/null')" ] &&
		cmp -s "$BUCKET/ecs-agent-v1.105.9.tar" "$W/varcache.upper/ecs/ecs-agent.tar" && IN grep -qx "$NEW_ID" /var/cache/ecs/ecs-agent.tar.id
}
t "... the update became the verified cache (nothing left behind)" cache_is_new
IN "$BIN" run --cluster upd --no-start >"$W/out" 2>&1; echo $? >"$W/rc"
kept() { rc 0 && has "agent-image: [skipped] already converged" && [ "$(image_id_of amazon/amazon-ecs-agent:latest)" = "$NEW_ID" ]; }
t "a later run keeps the update (no download, no older image loaded)" kept

# a tampered update: the message's SHA-256 matches what the agent downloads, but no signature does
python3 "$HERE/../agent/bump-version.py" --tamper "$REAL_AGENT" "$BUCKET/ecs-agent-v1.105.8.tar" "$REAL_AGENT_VERSION" 1.105.8 >/dev/null
update ecs-agent-v1.105.8.tar "$BUCKET/ecs-agent-v1.105.8.tar"
refused() {
	for _ in $(seq 300); do grep -q 'update /var/cache/ecs/.* refused: ' "$W/agent.log" && return 0; sleep 0.2; done
	tail -5 "$W/agent.log"; return 1
}
t "a tampered update: agent refuses it (the signature does not verify), and says so" refused
t "... the agent restarts on its current version (1.105.9)" version_is 1.105.9
t "... the same image" [ "$(ctr_image)" = "$NEW_ID" ]
nothing_left() { IN test ! -e /var/cache/ecs/desired-image && [ -z "$(IN sh -c 'ls /var/cache/ecs/*.ecs-update.tar /var/cache/ecs/ecs-agent-update.asc 2>/dev/null')" ]; }
untouched() { nothing_left && cmp -s "$BUCKET/ecs-agent-v1.105.9.tar" "$W/varcache.upper/ecs/ecs-agent.tar"; }
t "... the tampered tarball is removed, the cache untouched" untouched
never_new() { local images; images=$(docker_api http://d/images/json) && ! grep -q "$(archive_image_id "$BUCKET/ecs-agent-v1.105.8.tar")" <<<"$images"; }
t "... and never loaded into Docker" never_new
kill -TERM "$AGENT"; wait "$AGENT"
t "agent: SIGTERM, exit 0" [ $? = 0 ]
t_summary
