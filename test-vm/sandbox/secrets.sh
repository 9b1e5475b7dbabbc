#!/bin/bash
# test-vm/sandbox/secrets.sh BIN FAULT_BIN BACKEND
# Secrets never leave ecs.config: recognisable values for ECS_ENGINE_AUTH_DATA (from --set and
# from a --config-url fragment), the instance role's secret key and session token (from the
# fake IMDS, used to sign the S3 requests) and every IMDS token the fake issued are searched
# for in everything ecs-bootstrap printed (run, -v run, status, plan, config show, agent, a
# run after a reboot) and every file under /var/log and /var/lib/ecs-bootstrap: zero hits.
# ecs.config itself is 0600.  (The stand-in agent's own dump of its environment,
# /var/log/ecs/standin-env.log, is a test tool's output and is left out: the real agent gets
# these values through its environment by design.)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_REGION=us-east-1) # IMDS on: the role's credentials sign the S3 requests
sbx_suite "secrets sweep" "$@"
AUTH=SeKrEt-AUTH-4f1d2c9a
CFG=SeKrEt-CFG-9b2e7a31
mkdir -p "$W/s3/test-bucket"
printf 'ECS_ENGINE_AUTH_TYPE=dockercfg\nECS_ENGINE_AUTH_DATA={"https://registry.example.invalid":{"auth":"%s","email":"x@example.invalid"}}\n' \
	"$CFG" > "$W/s3/test-bucket/secret.config"
: > "$W/all.out"
say() { IN "$@" >> "$W/all.out" 2>&1; echo $? > "$W/rc"; }

say "$BIN" run -v --cluster sec --config-url s3://test-bucket/secret.config --wait=30
t "run -v with secrets from --config-url (role credentials from IMDS): exit 0" rc 0
t "... the fragment came from S3" grep -q '"path": "/secret.config", "status": 200' "$W/s3.log"
t "... with the role's credentials from IMDS" grep -q '"path": "/latest/meta-data/iam/security-credentials/ecsInstanceRole", "status": 200' "$W/imds.log"
say "$BIN" run -v --cluster sec --config-url s3://test-bucket/secret.config --set "ECS_ENGINE_AUTH_DATA={\"r\":{\"auth\":\"$AUTH\"}}"
t "run -v with a secret from --set: exit 0" rc 0
t "ecs.config holds the secret and is 0600" bash -c "grep -q $AUTH $W/etc.upper/ecs/ecs.config && [ \$(stat -c %a $W/etc.upper/ecs/ecs.config) = 600 ]"
say "$BIN" status -v --config-url s3://test-bucket/secret.config --set "ECS_ENGINE_AUTH_DATA={\"r\":{\"auth\":\"$AUTH\"}}"
say "$BIN" plan -v --config-url s3://test-bucket/secret.config --set "ECS_ENGINE_AUTH_DATA={\"r\":{\"auth\":\"$AUTH\"}}"
say "$BIN" config show
IN_BG "$BIN" agent -v >> "$W/all.out" 2>&1
AGENT=$BG_PID
for _ in $(seq 100); do grep -q 'container ecs-agent started' "$W/all.out" && break; sleep 0.1; done
kill -TERM "$AGENT"; wait "$AGENT"
sbx_reboot
say "$BIN" run -v --cluster sec --config-url s3://test-bucket/secret.config --set "ECS_ENGINE_AUTH_DATA={\"r\":{\"auth\":\"$AUTH\"}}" --wait=30
t "after a reboot: run -v exit 0" rc 0

mapfile -t tokens < <(sed -n 's/.*"issued_token": "\([^"]*\)".*/\1/p' "$W/imds.log")
t "the fake IMDS issued tokens (and so the sweep looks for them)" [ "${#tokens[@]}" -gt 0 ]
secrets=("$AUTH" "$CFG" "temporary/secret/for/tests/only" "FAKE-SESSION-TOKEN-0123456789" "${tokens[@]}")
find "$W/varlog.upper" "$W/varlib.upper/ecs-bootstrap" -type f ! -name standin-env.log > "$W/files"
hits() {
	local n=0 s found
	for s in "${secrets[@]}"; do
		# shellcheck disable=SC2046
		found=$(grep -lF -- "$s" "$W/all.out" $(cat "$W/files") 2>/dev/null)
		[ -z "$found" ] || { echo "${s:0:12}... found in: $found"; n=$((n + 1)); }
	done
	[ "$n" = 0 ]
}
t "zero hits for ${#secrets[@]} secret values in $(wc -l < "$W/all.out") lines of output and $(wc -l < "$W/files") files" hits
t "config show masked it" grep -q 'ECS_ENGINE_AUTH_DATA=<masked' "$W/all.out"
t_summary
