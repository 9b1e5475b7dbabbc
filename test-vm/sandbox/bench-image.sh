#!/bin/bash
# test-vm/sandbox/bench-image.sh BIN [MB|real] [RUNS]: download + verify + load of an agent
# image of MB MiB (default 100; "real": the real agent's archive, REAL_AGENT in lib.sh) from the
# fake S3 over TLS into the sandbox's dockerd:
# the agent-image step of `ecs-bootstrap run --refresh` (the other steps converged) next to the
# installation document's pipeline (curl the tarball, curl the .asc, gpgv, docker load).
# Median of RUNS (default 3); the image is removed from Docker before each run.  Figures only.
# DIGEST=SHA256 signs with that hash (default: gpg's choice, SHA-512 for gpg 2.2 here).
set -uo pipefail
BIN=${1:?BIN}; MB=${2:-100}; RUNS=${3:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
trap sbx_down EXIT
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)
sbx_up nft >/dev/null && sbx_aws_up && sbx_agent_up || exit 1
if [ "$MB" = real ]; then
	# the real agent's archive (REAL_AGENT, lib.sh), as the bucket holds it (unpacked)
	real_agent_ok || exit 1
	gunzip -c "$REAL_AGENT" > "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar"
	MB=$(( $(stat -c %s "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar") / 1048576 )) WHAT="the real agent $REAL_AGENT_VERSION"
else
	# a big agent: the stand-in plus MB MiB of random data in the layer
	cp "$STANDIN" "$W/big.bin"; head -c $((MB * 1048576)) /dev/urandom >> "$W/big.bin"
	python3 "$HERE/../image/mkimage.py" "$W/big.tar" amazon/amazon-ecs-agent:latest "$W/big.bin=/agent" >/dev/null
	cp "$W/big.tar" "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar"
	WHAT="an agent image"
fi
GNUPGHOME=$W/gnupg gpg --batch --quiet --yes --armor ${DIGEST:+--digest-algo "$DIGEST"} --detach-sign -o "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar.asc" \
	"$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar" 2>/dev/null
URL=https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar
IN "$BIN" run >"$W/first.log" 2>&1 || { echo "first run failed:"; tail -5 "$W/first.log"; exit 1; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# remove the container too: while it holds the image, Docker keeps the layers and a "load" imports nothing
rmimg() { docker_api -X DELETE "http://d/containers/ecs-agent?force=1" >/dev/null; docker_api -X DELETE "http://d/images/amazon/amazon-ecs-agent:latest?force=1" >/dev/null; }
ours=() theirs=()
for _ in $(seq "$RUNS"); do
	# ours: the agent-image step's own time (its [finished] line): the run around it also starts
	# the agent container again, which the pipeline below does not do
	rmimg; IN "$BIN" run --refresh >"$W/ours.log" 2>&1 || echo "ours failed"
	ours+=($(sed -n 's/.*agent-image: \[finished\].*(\([0-9]*\) ms)$/\1/p' "$W/ours.log"))
	rmimg; s=$(ms)
	# the pipeline writes where ours does (/var/cache, an overlay here), so both pay the same disk
	IN sh -c "mkdir -p /var/cache/pipeline && cd /var/cache/pipeline && rm -f t.tar t.tar.asc && curl -sS -o t.tar $URL && curl -sS -o t.tar.asc $URL.asc && gpgv --keyring $AGENT_KEYRING t.tar.asc t.tar 2>/dev/null && docker -H unix:///run/docker.sock load -q -i t.tar >/dev/null" ||
		echo "pipeline failed"
	theirs+=($(( $(ms) - s )))
done
med() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
o=$(med "${ours[@]}"); p=$(med "${theirs[@]}")
awk -v o="$o" -v p="$p" -v mb="$MB" -v dig="${DIGEST:-SHA512}" -v what="$WHAT" 'BEGIN { printf what " of %d MiB (" dig "), download + verify + load: ecs-bootstrap %d ms, curl+curl+gpgv+docker load %d ms, ratio %.2f\n", mb, o, p, o / p }'
