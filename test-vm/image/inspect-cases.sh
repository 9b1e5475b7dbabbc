#!/bin/bash
# test-vm/image/inspect-cases.sh BIN: `ecs-bootstrap image inspect` on archives made by
# mkimage.py (legacy and OCI layouts) and on broken ones.  No root needed.
set -uo pipefail
BIN=${1:?BIN}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d /tmp/ecs-img.XXXXXX)
trap 'rm -rf "$W"' EXIT
. "$(dirname "$0")/../tap.sh"
ins() { "$BIN" image inspect "$1" >"$W/out" 2>&1; echo $? >"$W/rc"; }
head -c 200000 /dev/urandom > "$W/agent"
ID=$(python3 "$HERE/mkimage.py" "$W/legacy.tar" amazon/amazon-ecs-agent:latest "$W/agent=/agent")
OID=$(python3 "$HERE/mkimage.py" --oci "$W/oci.tar" amazon/amazon-ecs-agent:latest "$W/agent=/agent")
python3 "$HERE/mkimage.py" --no-manifest "$W/nomanifest.tar" a:b "$W/agent=/agent" >/dev/null
python3 "$HERE/mkimage.py" --missing-layer "$W/nolayer.tar" a:b "$W/agent=/agent" >/dev/null
head -c 100000 "$W/legacy.tar" > "$W/trunc.tar"
cp "$W/legacy.tar" "$W/badsum.tar"; printf 'Z' | dd of="$W/badsum.tar" bs=1 seek=10 conv=notrunc 2>/dev/null

ins "$W/legacy.tar"
t "legacy layout: exit 0" bash -c "[ \$(cat $W/rc) = 0 ]"
t "legacy layout: image id is the config digest" grep -qx "image: $ID" "$W/out"
t "legacy layout: tag listed" grep -qx "tag: amazon/amazon-ecs-agent:latest" "$W/out"
t "legacy layout: one layer with its size" grep -q '^layer: [0-9a-f]\{64\}/layer.tar [0-9]* bytes$' "$W/out"
ins "$W/oci.tar"
t "OCI layout (Docker 25+): exit 0, same kind of id" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'image: $OID' $W/out"
ins "$W/nomanifest.tar"
t "no manifest.json: exit 102, says so" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'no manifest.json' $W/out"
ins "$W/nolayer.tar"
t "a layer the manifest names is missing: exit 102" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'not in the archive' $W/out"
ins "$W/trunc.tar"
t "truncated archive: exit 102, says truncated" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q truncated $W/out"
ins "$W/badsum.tar"
t "damaged header: exit 102, bad checksum" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'checksum' $W/out"
ins "$W/missing.tar"
t "missing file: exit 100" bash -c "[ \$(cat $W/rc) = 100 ]"
"$BIN" image inspect >"$W/out" 2>&1; echo $? >"$W/rc"
t "no argument: exit 100" bash -c "[ \$(cat $W/rc) = 100 ]"
t_summary
