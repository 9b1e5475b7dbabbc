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
# gzip trailer (CRC-32, then ISIZE, little-endian, the last 8 bytes): wrong CRC, wrong ISIZE,
# missing, cut; bytes after the last member.  `docker load` refuses all of them.
flip() { cp "$1" "$2"; python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(int(sys.argv[2]),2); b=f.read(1); f.seek(-1,1); f.write(bytes([b[0]^0x5a]))' "$2" "$3"; }
flip "$W/legacy.tar.gz" "$W/badcrc.tar.gz" -8
flip "$W/legacy.tar.gz" "$W/badisize.tar.gz" -4
head -c -8 "$W/legacy.tar.gz" > "$W/notrailer.tar.gz"
head -c -3 "$W/legacy.tar.gz" > "$W/cuttrailer.tar.gz"
{ cat "$W/legacy.tar.gz"; printf 'junk'; } > "$W/junk.tar.gz"
# an entry whose base-256 size is 2^63-1 (no archive can hold it)
python3 "$HERE/mkimage.py" --bogus-size "$W/bogus.tar" a:b "$W/agent=/agent" >/dev/null
# the image id is the sha256 of the config's bytes, whatever the config's name and wherever
# manifest.json is in the archive
RID=$(python3 "$HERE/mkimage.py" --config-name config.json "$W/cfgname.tar" amazon/amazon-ecs-agent:latest "$W/agent=/agent")
WRONG=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
WID=$(python3 "$HERE/mkimage.py" --config-name $WRONG.json "$W/cfgwrong.tar" amazon/amazon-ecs-agent:latest "$W/agent=/agent")
FID=$(python3 "$HERE/mkimage.py" --manifest-first --config-name config.json "$W/mfirst.tar" amazon/amazon-ecs-agent:latest "$W/agent=/agent")
python3 "$HERE/mkimage.py" --oci --config-name $WRONG "$W/ociwrong.tar" amazon/amazon-ecs-agent:latest "$W/agent=/agent" >/dev/null
python3 "$HERE/mkimage.py" --config-pad 1100000 "$W/bigcfg.tar" amazon/amazon-ecs-agent:latest "$W/agent=/agent" >/dev/null
# several images in one archive
MIDS=($(python3 "$HERE/mkimage.py" --image other/one:1 --image other/two:2 "$W/multi.tar" amazon/amazon-ecs-agent:latest "$W/agent=/agent"))
OMIDS=($(python3 "$HERE/mkimage.py" --oci --manifest-first --image other/one:1 "$W/ocimulti.tar" amazon/amazon-ecs-agent:latest "$W/agent=/agent"))

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
ins "$W/badcrc.tar.gz"
t "gzip trailer: wrong CRC-32: exit 102" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'gzip' $W/out"
ins "$W/badisize.tar.gz"
t "gzip trailer: wrong ISIZE: exit 102" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'gzip' $W/out"
ins "$W/notrailer.tar.gz"
t "gzip trailer missing: exit 102, cut short" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'gzip stream is cut short' $W/out"
ins "$W/cuttrailer.tar.gz"
t "gzip trailer cut: exit 102, cut short" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'gzip stream is cut short' $W/out"
ins "$W/junk.tar.gz"
t "bytes after the gzip stream: exit 102" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'gzip' $W/out"
ins "$W/bogus.tar"
t "base-256 size 2^63-1: exit 102, says size" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'size' $W/out"
ins "$W/cfgname.tar"
t "config named config.json: exit 0, id is the hash of its bytes" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'image: $RID' $W/out"
ins "$W/cfgwrong.tar"
t "config named by another digest: the id is the hash of its bytes, not its name" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'image: $WID' $W/out && ! grep -q $WRONG $W/out"
ins "$W/mfirst.tar"
t "manifest.json before the config: the same id" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'image: $FID' $W/out"
ins "$W/ociwrong.tar"
t "OCI blob whose bytes do not match its digest name: exit 102" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'does not match' $W/out"
ins "$W/bigcfg.tar"
t "config over the size limit: exit 102, says the limit" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'limit' $W/out"
ins "$W/multi.tar"
t "three images: all reported, with their tags" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'images: 3' $W/out && [ \$(grep -c '^image: ' $W/out) = 3 ] && grep -qx 'image: ${MIDS[0]}' $W/out && grep -qx 'image: ${MIDS[1]}' $W/out && grep -qx 'image: ${MIDS[2]}' $W/out && grep -qx 'tag: other/two:2' $W/out && [ \$(grep -c '^layers: 1' $W/out) = 3 ]"
t "three images: tags follow their image" bash -c "grep -A1 -x 'image: ${MIDS[1]}' $W/out | grep -qx 'tag: other/one:1'"
ins "$W/ocimulti.tar"
t "OCI, manifest.json first, two images: both reported" bash -c "[ \$(cat $W/rc) = 0 ] && grep -qx 'image: ${OMIDS[0]}' $W/out && grep -qx 'image: ${OMIDS[1]}' $W/out"
ins "$W/missing.tar"
t "missing file: exit 100" bash -c "[ \$(cat $W/rc) = 100 ]"
"$BIN" image inspect >"$W/out" 2>&1; echo $? >"$W/rc"
t "no argument: exit 100" bash -c "[ \$(cat $W/rc) = 100 ]"
t_summary
