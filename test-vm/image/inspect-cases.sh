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
# gzip'd (docker save | gzip): whole, cut short, its deflate data damaged, a second member
gzip -c "$W/legacy.tar" > "$W/legacy.tar.gz"; gzip -c "$W/oci.tar" > "$W/oci.tar.gz"
head -c 50000 "$W/legacy.tar.gz" > "$W/cut.tar.gz"
python3 -c 'import gzip,sys; open(sys.argv[2],"wb").write(gzip.compress(open(sys.argv[1],"rb").read()[:40000], mtime=0) + gzip.compress(open(sys.argv[1],"rb").read()[40000:], mtime=0))' "$W/legacy.tar" "$W/members.tar.gz"
cp "$W/legacy.tar.gz" "$W/baddeflate.tar.gz"; head -c 3000 /dev/zero | dd of="$W/baddeflate.tar.gz" bs=1 seek=20 conv=notrunc 2>/dev/null

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
ins "$W/legacy.tar.gz"
t "gzip'd legacy archive: exit 0, the same image id, says gzip" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'image: $ID' $W/out && grep -qx 'compression: gzip' $W/out"
ins "$W/oci.tar.gz"
t "gzip'd OCI archive: exit 0, the same image id" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'image: $OID' $W/out"
ins "$W/members.tar.gz"
t "gzip'd in two members (concatenated): read across the seam" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'image: $ID' $W/out"
ins "$W/cut.tar.gz"
t "gzip stream cut short: exit 102, says so" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'gzip stream is cut short' $W/out"
ins "$W/baddeflate.tar.gz"
t "gzip stream damaged: exit 102" bash -c "[ \$(cat $W/rc) = 102 ] && grep -qE 'gzip stream is corrupt|checksum' $W/out"
ins "$W/missing.tar"
t "missing file: exit 100" bash -c "[ \$(cat $W/rc) = 100 ]"
"$BIN" image inspect >"$W/out" 2>&1; echo $? >"$W/rc"
t "no argument: exit 100" bash -c "[ \$(cat $W/rc) = 100 ]"
t_summary
