#!/bin/bash
# test-vm/sandbox/options.sh BIN FAULT_BIN BACKEND
# What `run` was told stays told (issue: "the unit forgets what run was told"): a run with
# --block-imds, a pinned --agent-version and a --keyring from a temporary file; then, as after
# a reboot with no options anywhere, `agent` (what ecs.service runs) and a plain `run` keep the
# DOCKER-USER rule and the pinned image, without a download.  A later run changes each option
# back (--no-block-imds, --agent-version latest, --keyring=).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)

sbx_suite "saved options" "$@"
# No ECS_BOOTSTRAP_KEYRING from here on: each command gets exactly what the test gives it.
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)
run() { IN "$BIN" "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
R_IMDS='-A DOCKER-USER -d 169.254.169.254/32 -i docker+ -j DROP'
imds_rules() { IN iptables-save -t filter | grep -cxF -- "$R_IMDS"; }
imds_once() { local n; n=$(imds_rules); [ "$n" = 1 ] || { echo "DOCKER-USER rule present $n times"; IN iptables-save -t filter; return 1; }; }
imds_absent() { local n; n=$(imds_rules); [ "$n" = 0 ] || { echo "DOCKER-USER rule present $n times"; return 1; }; }
tagged() { [ "$(image_id_of amazon/amazon-ecs-agent:latest)" = "$1" ] || { echo "tagged: $(image_id_of amazon/amazon-ecs-agent:latest), want $1"; return 1; }; }
gets() { grep -c "\"path\": \"/amazon-ecs-agent-us-east-1/$1\", \"status\": 200" "$W/s3.log"; }
opts() { IN "$BIN" options "$@"; }
opt_is() { local want=$1; shift; opts "$@" | grep -qxF -- "$want" || { echo "options lack '$want':"; opts; return 1; }; }
opt_none() { ! opts | grep -q "^$1=" || { echo "options still have $1:"; opts; return 1; }; }

# the pinned version: a second image, signed by the same key, that must differ from latest (the
# real agent) for the test to tell which one runs: the stand-in, whose behaviour is not under test
publish_agent ecs-agent-v1.90.0.tar || echo "not ok - publish the pinned agent"
PIN_ID=$(cat "$W/agent-build.id")
cp "$AGENT_KEYRING" "$W/tmp-key.gpg"

run run --cluster opt --block-imds --agent-version v1.90.0 --keyring "$W/tmp-key.gpg"
t "run --block-imds --agent-version v1.90.0 --keyring FILE: exit 0" rc 0
t "... the DOCKER-USER rule is there" imds_once
t "... the pinned image is loaded" tagged "$PIN_ID"
t "... the options step saved them" grep -q "options: \[finished\] wrote '/etc/ecs-bootstrap/options'" "$W/out"
t "options shows BLOCK_IMDS" opt_is ECS_BOOTSTRAP_BLOCK_IMDS=1
t "options shows the pinned version" opt_is ECS_BOOTSTRAP_AGENT_VERSION=v1.90.0
t "options shows the keyring copy" opt_is ECS_BOOTSTRAP_KEYRING=/etc/ecs-bootstrap/keyring-1.gpg
t "the keyring was copied byte for byte" cmp "$W/tmp-key.gpg" "$W/etc.upper/ecs-bootstrap/keyring-1.gpg"
t "the options file is readable by a person, 0644 (no secret in it)" [ "$(stat -c %a "$W/etc.upper/ecs-bootstrap/options")" = 644 ]
N_PIN=$(gets ecs-agent-v1.90.0.tar); N_LATEST=$(gets ecs-agent-latest.tar)

# as after a reboot: per-boot state gone, the temporary key gone, no options anywhere
rm -f "$W/tmp-key.gpg"
sbx_reboot
started() { grep -c 'container ecs-agent started' "$W/agent.log" 2>/dev/null || true; }
IN_BG "$BIN" agent >>"$W/agent.log" 2>&1; AGENT=$BG_PID
for _ in $(seq 150); do [ "$(started)" -ge 1 ] && break; kill -0 "$AGENT" 2>/dev/null || break; sleep 0.1; done
t "agent with no options after a reboot: the container started" [ "$(started)" -ge 1 ]
t "... the DOCKER-USER rule is back (not removed as 'disabled by configuration')" imds_once
t "... the nat step did not remove it" bash -c "! grep -q 'DOCKER-USER.*removed\|disabled by configuration' $W/agent.log"
running_image() { docker_api http://d/containers/ecs-agent/json | python3 -c 'import json,sys; print(json.load(sys.stdin)["Image"])'; }
pinned_runs() { [ "$(running_image)" = "$PIN_ID" ] || { echo "the container runs $(running_image), want $PIN_ID"; return 1; }; }
t "... the pinned image runs" pinned_runs
t "... nothing was downloaded (not latest, not the pinned one again)" [ "$(gets ecs-agent-latest.tar)/$(gets ecs-agent-v1.90.0.tar)" = "$N_LATEST/$N_PIN" ]
kill -TERM "$AGENT"; wait "$AGENT"
t "... and it stops on SIGTERM with exit 0" [ $? = 0 ]

run run
t "a later run without options: exit 0" rc 0
t "... the rule stays" imds_once
t "... the pinned image stays" tagged "$PIN_ID"
t "... options [skipped]" grep -q 'options: \[skipped\] already converged' "$W/out"
run plan
t "plan without options: nothing to do" rc 0

# a later run can change each of them back
run run --no-block-imds
t "run --no-block-imds: exit 0" rc 0
t "... the rule is removed" imds_absent
t "... and forgotten" opt_none ECS_BOOTSTRAP_BLOCK_IMDS
run run
t "... a plain run after it keeps it off" imds_absent
run run --agent-version latest --keyring=
t "run --agent-version latest --keyring= : the embedded Amazon key is back, so the test-signed latest is refused (102)" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'agent-image: fatal: .*(exit 102' $W/out"
t "... a run that failed saved nothing: the pinned version and the keyring copy stay" bash -c "[ -s $W/etc.upper/ecs-bootstrap/keyring-1.gpg ] && grep -qx ECS_BOOTSTRAP_AGENT_VERSION=v1.90.0 $W/etc.upper/ecs-bootstrap/options"
run run --agent-version latest --keyring "$AGENT_KEYRING"
t "run --agent-version latest --keyring KEY: exit 0" rc 0
t "... the latest image" tagged "$AGENT_ID"
t "... the version forgotten" opt_none ECS_BOOTSTRAP_AGENT_VERSION
run run --keyring "$AGENT_KEYRING" --keyring "$AGENT_KEYRING"
t "two --keyring: two copies saved" bash -c "[ \$(cat $W/rc) = 0 ] && [ -s $W/etc.upper/ecs-bootstrap/keyring-2.gpg ] && [ \$(grep -c KEYRING $W/etc.upper/ecs-bootstrap/options) = 2 ]"
run run --keyring "$AGENT_KEYRING"
t "then one: the second copy is removed" bash -c "[ \$(cat $W/rc) = 0 ] && [ ! -e $W/etc.upper/ecs-bootstrap/keyring-2.gpg ] && [ \$(grep -c KEYRING $W/etc.upper/ecs-bootstrap/options) = 1 ]"
IN env ECS_BOOTSTRAP_BLOCK_IMDS=1 "$BIN" plan >"$W/plan.out" 2>&1; rcp=$?
t "the environment counts as given: ECS_BOOTSTRAP_BLOCK_IMDS=1 plan shows options and nat pending" bash -c "[ $rcp = 1 ] && grep -q '^options .*would change' $W/plan.out && grep -q '^nat .*would change' $W/plan.out"
t "plan changed nothing" opt_none ECS_BOOTSTRAP_BLOCK_IMDS

# a presigned --config-url (its query string is a credential, as `aws s3 presign` makes it; the
# fake S3 verifies it): the options file holding it is 0600, `options` masks it
mkdir -p "$W/s3/cfg-bucket"; printf 'ECS_RESERVED_MEMORY=40\n' > "$W/s3/cfg-bucket/frag.config"
PRE=$(python3 "$FAKE/fake_aws.py" presign https://s3.us-east-1.amazonaws.com/cfg-bucket/frag.config)
mode_of_options() { stat -c %a "$W/etc.upper/ecs-bootstrap/options"; }
run run --config-url "$PRE"
t "run --config-url PRESIGNED-URL: exit 0, the fragment merged" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx ECS_RESERVED_MEMORY=40 $W/etc.upper/ecs/ecs.config"
t "... the options file holding it is 0600" [ "$(mode_of_options)" = 600 ]
masked() { opts | grep -q '^ECS_BOOTSTRAP_CONFIG_URL=<masked: a URL with credentials' || { opts; return 1; }; }
t "... options masks it" masked
t "... options --show-secrets shows it" opt_is "ECS_BOOTSTRAP_CONFIG_URL=$PRE" --show-secrets
t "... and no log line of the run holds its signature" bash -c "! grep -q '${PRE##*X-Amz-Signature=}' $W/out"
run run --config-url "${PRE%?}x"
t "a tampered presigned URL: S3 refuses it (SignatureDoesNotMatch), exit 100" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q SignatureDoesNotMatch $W/out"
t "... nothing saved: the good one stays" opt_is "ECS_BOOTSTRAP_CONFIG_URL=$PRE" --show-secrets
run run --config-url=
t "--config-url= : forgotten, the options file back to 0644" bash -c "[ \$(cat $W/rc) = 0 ] && [ \$(stat -c %a $W/etc.upper/ecs-bootstrap/options) = 644 ] && ! grep -q CONFIG_URL $W/etc.upper/ecs-bootstrap/options"

# a hand-broken options file is a clear usage error naming it
IN sh -c 'printf "ECS_BOOTSTRAP_METHOD=sideways\n" >> /etc/ecs-bootstrap/options'
run run
t "a bad value in the options file: exit 100 naming it" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'sideways' $W/out"
run run --method auto
t "... given on the command line, the option beats the file and fixes it" bash -c "[ \$(cat $W/rc) = 0 ] && ! grep -q sideways $W/etc.upper/ecs-bootstrap/options"
t_summary
