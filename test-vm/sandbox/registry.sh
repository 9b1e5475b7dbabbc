#!/bin/bash
# test-vm/sandbox/registry.sh BIN FAULT_BIN BACKEND
# --agent-image (issue 18, "the agent from a registry"): Debian's docker-registry (the
# distribution registry) serves TLS in the sandbox under the name public.ecr.aws (the
# sandbox's /etc/hosts), with a certificate from a CA of its own that only Docker's
# /etc/docker/certs.d/public.ecr.aws trusts, and basic auth (htpasswd, bcrypt).  The real agent
# is pushed into it through the Engine API; then `run --agent-image` has Docker pull it:
# credentials from /root/.docker/config.json, a pinned digest confirmed, a tag warned about
# with the digest it resolved to, no pull again when converged, a wrong digest refused (102)
# with nothing tagged, and the real agent from the registry registering with the fake ECS.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)

sbx_suite "the agent from a registry" "$@"
run() { IN "$BIN" "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
REPO=public.ecr.aws/ecs/amazon-ecs-agent
USER_PW='ecsuser:S3cr3t-Regpw'

# ---- the registry
sh "$FAKE/gen-certs.sh" "$W/tls" registry >/dev/null || echo "not ok - registry certificates"
htpasswd -Bbn "${USER_PW%%:*}" "${USER_PW#*:}" > "$W/htpasswd"
mkdir -p "$W/registry"
cat > "$W/registry.yml" <<EOF
version: 0.1
log: { level: info }
storage: { filesystem: { rootdirectory: $W/registry } }
http: { addr: "127.0.0.4:443", tls: { certificate: $W/tls/registry.crt, key: $W/tls/registry.key } }
auth: { htpasswd: { realm: test-registry, path: $W/htpasswd } }
EOF
IN sh -c "echo '127.0.0.4 public.ecr.aws' >> /etc/hosts && mkdir -p /etc/docker/certs.d/public.ecr.aws &&
	cp $W/tls/registry-ca.crt /etc/docker/certs.d/public.ecr.aws/ca.crt"
start registry docker-registry serve "$W/registry.yml"
up=""
for _ in $(seq 100); do
	[ "$(IN curl -s -o /dev/null -w '%{http_code}' --cacert "$W/tls/registry-ca.crt" https://public.ecr.aws/v2/)" = 401 ] && up=1 && break
	sleep 0.1
done
t "the registry answers as public.ecr.aws over TLS, asking for credentials" [ -n "$up" ]
t "... its CA is not in the system bundle: only Docker's certs.d trusts it" bash -c "! nsenter -t $HOLDER -m -n curl -s https://public.ecr.aws/v2/ >/dev/null 2>&1"

# ---- the real agent pushed into it (the Engine API: load, tag, push with X-Registry-Auth)
AUTH=$(printf '{"username":"%s","password":"%s","serveraddress":"public.ecr.aws"}' "${USER_PW%%:*}" "${USER_PW#*:}" | base64 -w0 | tr '+/' '-_')
real_agent_ok && docker_api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$REAL_AGENT" http://d/images/load > "$W/load.out"
REAL_ID=$(archive_image_id "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar")
docker_api -X POST "http://d/images/$REAL_ID/tag?repo=$REPO&tag=v$REAL_AGENT_VERSION" >/dev/null
docker_api -X POST -H "X-Registry-Auth: $AUTH" "http://d/images/$REPO/push?tag=v$REAL_AGENT_VERSION" > "$W/push.out"
DIGEST=$(grep -o 'digest: sha256:[0-9a-f]*' "$W/push.out" | head -1 | cut -d' ' -f2)
t "the real agent $REAL_AGENT_VERSION pushed to the registry (digest ${DIGEST:-none})" [ -n "$DIGEST" ]
# Docker forgets it: what runs next comes from the registry
docker_api -X DELETE "http://d/images/$REAL_ID?force=1" >/dev/null
t "... and removed from Docker" [ -z "$(image_id_of "$REPO:v$REAL_AGENT_VERSION")" ]
manifest_gets() { grep -c 'GET /v2/ecs/amazon-ecs-agent/manifests/' "$W/registry.log"; }

# ---- no credentials yet
run run --cluster real --agent-image "$REPO@$DIGEST"
t "no credentials for the registry: exit 100 (do not retry)" rc 100
t "... says Docker could not pull it, with the registry's reason" bash -c "grep -q 'Docker could not pull $REPO@$DIGEST: .*no basic auth credentials' $W/out || { cat $W/out; false; }"
t "... nothing tagged" [ -z "$(image_id_of amazon/amazon-ecs-agent:latest)" ]

# ---- credentials as `docker login` writes them
IN sh -c "mkdir -p /root/.docker && printf '{\"auths\": {\"https://public.ecr.aws\": {\"auth\": \"%s\"}}}\n' $(printf %s "$USER_PW" | base64 -w0) > /root/.docker/config.json"
run run --cluster real --agent-image "$REPO@$DIGEST" --wait=120
t "pinned by digest, credentials from /root/.docker/config.json: exit 0" rc 0
t "... Docker pulled it (progress logged)" bash -c "grep -q 'agent-image: Docker pulls $REPO@$DIGEST (credentials from /root/.docker/config.json)' $W/out && grep -q 'agent-image: pull: Status: Downloaded newer image' $W/out || { cat $W/out; false; }"
t "... the digest confirmed: tagged amazon/amazon-ecs-agent:latest, the pushed image" bash -c "[ '$(image_id_of amazon/amazon-ecs-agent:latest)' = '$REAL_ID' ]"
t "... the real agent from the registry registered" has "registered: cluster real"
t "... the password never printed" bash -c "! grep -q '${USER_PW#*:}' $W/out"
t "status names the digest pulled" bash -c "nsenter -t $HOLDER -m -n env ${SBX_ENV[*]} '$BIN' status | grep -q 'agent-image .*$REPO@$DIGEST pulled as $REPO@$DIGEST' || nsenter -t $HOLDER -m -n env ${SBX_ENV[*]} '$BIN' status"
t "the option is saved: agent (ecs.service) and later runs use it" bash -c "nsenter -t $HOLDER -m -n '$BIN' options | grep -qx 'ECS_BOOTSTRAP_AGENT_IMAGE=$REPO@$DIGEST'"
before=$(manifest_gets)
run run --cluster real
t "a re-run (the saved option): agent-image [skipped], nothing pulled again" bash -c "grep -q 'agent-image: \[skipped\] already converged' $W/out && [ $(manifest_gets) = $before ] || { cat $W/out; false; }"

# ---- a tag: taken, with a warning naming the digest it resolved to
run run --cluster real --agent-image "$REPO:v$REAL_AGENT_VERSION"
t "a tag: exit 0" rc 0
t "... warned: the tag resolved to the digest, pin that" has "$REPO:v$REAL_AGENT_VERSION is a tag: it resolved to $REPO@$DIGEST; pin that"

# ---- a wrong digest: refused, nothing tagged
docker_api -X POST "http://d/images/$REAL_ID/tag?repo=amazon/amazon-ecs-agent&tag=latest" >/dev/null
run run --cluster real --agent-image "$REPO@sha256:0000000000000000000000000000000000000000000000000000000000000000"
t "a digest the registry does not have: exit 102 (integrity: alert, do not retry)" rc 102
t "... says which, and why" bash -c "grep -q 'Docker could not pull $REPO@sha256:0000' $W/out || { cat $W/out; false; }"
t "... nothing tagged: amazon/amazon-ecs-agent:latest is still the agent that ran" bash -c "[ '$(image_id_of amazon/amazon-ecs-agent:latest)' = '$REAL_ID' ]"
run run --agent-image 'https://public.ecr.aws/ecs/amazon-ecs-agent'
t "a URL instead of a reference: exit 100, says what it wants" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'want \[REGISTRY/\]PATH\[:TAG\]\[@sha256:DIGEST\]' $W/out"
t_summary
