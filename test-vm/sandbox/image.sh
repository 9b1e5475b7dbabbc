#!/bin/bash
# test-vm/sandbox/image.sh BIN FAULT_BIN BACKEND
# The agent-image step of the real static binary against a real dockerd and the fake S3:
# the default URL for us-east-1, download with the signature checked while streaming, load,
# tag; re-runs without download or load; reload from the verified cache; a tampered cache;
# bad signatures, truncated tarballs and archives Docker rejects are never taken.  The first run
# takes the real agent (lib.sh); the other archives are made from the stand-in (small, and each
# one different): what is under test there is the archive, not the agent in it.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)

sbx_suite "agent image" "$@"
run() { IN "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
gets() { grep -c "\"path\": \"/amazon-ecs-agent-us-east-1/$1\", \"status\": 200" "$W/s3.log"; }
tagged() { [ "$(image_id_of amazon/amazon-ecs-agent:latest)" = "$1" ]; }
CACHE=$W/varcache.upper/ecs

run "$BIN" run --cluster img
t "first run: exit 0" rc 0
t "first run: the regional URL for us-east-1 was used (tarball and .asc)" bash -c "[ \$(grep -c '\"path\": \"/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar' $W/s3.log) -ge 2 ]"
t "first run: Docker has the image under amazon/amazon-ecs-agent:latest" tagged "$AGENT_ID"
t "first run: the verified tarball, its signature and the id are cached" bash -c "[ -s $CACHE/ecs-agent.tar ] && [ -s $CACHE/ecs-agent.tar.asc ] && grep -qx '$AGENT_ID' $CACHE/ecs-agent.tar.id"
t "first run: no .partial left" bash -c "! ls $CACHE | grep -q partial"
t "first run: the [finished] line names the image" has "agent-image: [finished] $AGENT_ID loaded as amazon/amazon-ecs-agent:latest"
N=$(gets ecs-agent-latest.tar)

# an archive made by a real `docker save` (Docker 20.10: the legacy layout) inspects to the same image
IN docker -H unix:///run/docker.sock save -o /var/cache/saved.tar amazon/amazon-ecs-agent:latest
run "$BIN" image inspect /var/cache/saved.tar
t "docker save archive: image inspect exit 0" rc 0
t "docker save archive: the same image id" has "image: $AGENT_ID"
t "docker save archive: the tag" has "tag: amazon/amazon-ecs-agent:latest"
IN rm -f /var/cache/saved.tar
run "$BIN" run --cluster img
t "re-run: agent-image [skipped]" has "agent-image: [skipped] already converged"
t "re-run: nothing downloaded" [ "$(gets ecs-agent-latest.tar)" = "$N" ]

# image removed from Docker: reloaded from the verified cache, not downloaded
docker_api -X DELETE "http://d/images/amazon/amazon-ecs-agent:latest?force=1" >/dev/null
run "$BIN" plan --cluster img
t "plan sees the missing image" bash -c "[ \$(cat $W/rc) = 1 ] && grep -q 'agent-image  would change: Docker does not have' $W/out"
run "$BIN" run --cluster img
t "image removed: exit 0" rc 0
t "image removed: loaded again" tagged "$AGENT_ID"
t "image removed: from the verified cache, no download" bash -c "grep -q 'from the verified cache, no download' $W/out && [ \$(grep -c '\"path\": \"/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar\", \"status\": 200' $W/s3.log) = $N ]"

# cache tampered: refused, downloaded again
docker_api -X DELETE "http://d/images/amazon/amazon-ecs-agent:latest?force=1" >/dev/null
# (changes go through the mount: writing to an overlay's upper directory behind its back is undefined)
IN sh -c "printf X | dd of=/var/cache/ecs/ecs-agent.tar bs=1 seek=5000 conv=notrunc 2>/dev/null"
run "$BIN" run --cluster img
t "tampered cache: refused with the reason" has "cached '/var/cache/ecs/ecs-agent.tar' refused"
t "tampered cache: downloaded again, exit 0, right image" bash -c "[ \$(cat $W/rc) = 0 ] && [ \$(grep -c '\"path\": \"/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar\", \"status\": 200' $W/s3.log) = $((N + 1)) ]"
t "tampered cache: Docker has the right image" tagged "$AGENT_ID"

# a download cut in the middle once: the retry starts over, verifier included
echo '{"s3_close_mid": 1, "only": ".tar"}' > "$W/faults.json"
run "$BIN" run --cluster img --refresh
t "download cut once mid-body: retried from zero, verified, exit 0" rc 0
t "... the tarball was cut once indeed" grep -q '"why": "fault:s3_close_mid"' "$W/s3.log"
echo '{}' > "$W/faults.json"

# --refresh downloads even when current
B=$(gets ecs-agent-latest.tar)
run "$BIN" run --cluster img --refresh
refreshed() { rc 0 && [ "$(gets ecs-agent-latest.tar)" = $((B + 1)) ]; }
t "--refresh: downloads again" refreshed

# a versioned tarball: --agent-version picks the file name
publish_agent ecs-agent-v1.99.0.tar
V199=$(cat "$W/agent-build.id")
run "$BIN" run --cluster img --agent-version v1.99.0
got_v199() { rc 0 && [ "$(gets ecs-agent-v1.99.0.tar)" -ge 1 ]; }
t "--agent-version v1.99.0: ecs-agent-v1.99.0.tar loaded" got_v199
t "--agent-version v1.99.0: Docker's tag now names it" tagged "$V199"
run "$BIN" run --agent-version 'v1;rm'
t "--agent-version malformed: exit 100" rc 100

# bad signature at the source: 102, nothing loaded
publish_agent ecs-agent-badsig.tar
BAD=$(cat "$W/agent-build.id")
cp "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar.asc" "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-badsig.tar.asc"
run "$BIN" run --cluster img --agent-url https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-badsig.tar
t "signature over other data: exit 102, bad signature" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'bad signature' $W/out"
not_loaded() { ! docker_api http://d/images/json | grep -q "${1#sha256:}"; }
t "signature over other data: the image was not loaded" not_loaded "$BAD"
t "signature over other data: no .partial left, previous cache intact" bash -c "! ls $CACHE | grep -q partial && [ -s $CACHE/ecs-agent.tar ]"

# truncated tarball (its real signature): never loaded
publish_agent ecs-agent-trunc.tar
TR=$(cat "$W/agent-build.id")
f=$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-trunc.tar; head -c $(( $(stat -c %s "$f") / 2 )) "$f" > "$f.cut" && mv "$f.cut" "$f"
run "$BIN" run --cluster img --agent-url https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-trunc.tar
t "truncated tarball: exit 102" rc 102
t "truncated tarball: never loaded" not_loaded "$TR"

# an archive Docker rejects (signed, well-formed manifest, a layer that is not a tar)
publish_agent ecs-agent-broken.tar --broken-layer
run "$BIN" run --cluster img --agent-url https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-broken.tar
t "archive Docker rejects: exit not 0, Docker's message surfaced" bash -c "[ \$(cat $W/rc) != 0 ] && grep -q 'Docker refused the image' $W/out"

# a gzip'd agent (`docker save | gzip`, e.g. on a private mirror): verified as downloaded,
# inspected through zlib, loaded as it is (Docker decompresses)
publish_agent ecs-agent-gz.tar
GZ=$(cat "$W/agent-build.id"); d=$W/s3/amazon-ecs-agent-us-east-1
gzip -n -c "$d/ecs-agent-gz.tar" > "$d/ecs-agent-gz.tar.gz"
GNUPGHOME=$W/gnupg gpg --batch --quiet --yes --armor --detach-sign -o "$d/ecs-agent-gz.tar.gz.asc" "$d/ecs-agent-gz.tar.gz" 2>/dev/null
run "$BIN" run --cluster img --agent-url https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-gz.tar.gz
gz_loaded() { rc 0 && tagged "$GZ"; }
t "gzip'd agent tarball: exit 0, loaded and tagged" gz_loaded

# an archive holding two images, one of them tagged as the agent: loaded (Docker imports both),
# the agent's tag names the agent's image
publish_agent ecs-agent-two.tar --image example/other:1
TWO=$(sed -n 1p "$W/agent-build.id") OTHER=$(sed -n 2p "$W/agent-build.id")
run "$BIN" run --cluster img --agent-url https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-two.tar
two_loaded() { rc 0 && tagged "$TWO" && [ "$TWO" != "$OTHER" ]; }
t "two images, one tagged as the agent: exit 0, the tag names the agent's image" two_loaded
# two images, neither tagged as the agent: which one is the agent cannot be told; nothing loaded
PUBLISH_TAG=example/agent:x publish_agent ecs-agent-none.tar --image example/other:2
NONE1=$(sed -n 1p "$W/agent-build.id") NONE2=$(sed -n 2p "$W/agent-build.id")
run "$BIN" run --cluster img --agent-url https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-none.tar
t "two images, none tagged as the agent: exit 102, naming what it holds" \
	bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'none tagged amazon/amazon-ecs-agent:latest' $W/out && grep -q 'example/other:2' $W/out"
neither_loaded() { not_loaded "$NONE1" && not_loaded "$NONE2"; }
t "... neither image was loaded" neither_loaded
t "... the agent's tag unchanged" tagged "$TWO"

# a crash right after the download: the next run verifies the cache and loads it
docker_api -X DELETE "http://d/images/amazon/amazon-ecs-agent:latest?force=1" >/dev/null
IN sh -c 'rm -f /var/cache/ecs/ecs-agent.tar*'
# (--agent-url= and --agent-version latest: back to the default source, which the gz and v1.99.0
# runs above changed and saved)
IN env BS_FAULT_POINT=agent-image-after-load "$FBIN" run --cluster img --agent-url= --agent-version latest >"$W/out" 2>&1; echo $? >"$W/rc"
t "SIGKILL after the load, before the .id file: killed" rc 137
t "... no .id file names an image" bash -c "[ ! -e $CACHE/ecs-agent.tar.id ]"
run "$BIN" run --cluster img --agent-url= --agent-version latest
converged_again() { rc 0 && tagged "$AGENT_ID"; }
t "... the next run converges (exit 0, tagged)" converged_again

# Docker down: temporary failure
kill "$PID_dockerd"; wait "$PID_dockerd" 2>/dev/null
docker_gone() { ! IN curl -s --unix-socket /run/docker.sock http://d/_ping >/dev/null 2>&1; }
for _ in $(seq 50); do docker_gone && break; sleep 0.2; done
run "$BIN" run --cluster img
t "Docker not running: exit 111, says so" bash -c "[ \$(cat $W/rc) = 111 ] && grep -q 'Docker is not answering' $W/out"
t_summary
