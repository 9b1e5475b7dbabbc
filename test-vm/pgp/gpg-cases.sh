#!/bin/bash
# test-vm/pgp/gpg-cases.sh BIN: `ecs-bootstrap verify` against keys and signatures made
# here by real gpg in a throw-away GNUPGHOME: RSA 2048/3072/4096, a signing subkey,
# SHA-256/384/512, text mode, armored and binary, tampered data, an expired key, a revoked
# subkey, SHA-1, an unknown signer.  Needs no root.  TAP lines, then "N passed, N failed".
set -uo pipefail
BIN=${1:?BIN}
W=$(mktemp -d /tmp/ecs-gpg.XXXXXX)
export GNUPGHOME=$W/gnupg
mkdir -m 700 "$GNUPGHOME"
cleanup() { gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
. "$(dirname "$0")/../tap.sh"
G=(gpg --batch --quiet --pinentry-mode loopback --passphrase '')
fpr() { gpg --with-colons --list-keys "$1" | awk -F: '$1 == "fpr" { print $10; exit }'; }
sub_fpr() { gpg --with-colons --list-keys "$1" | awk -F: '$1 == "fpr" { n++ } $1 == "fpr" && n == 2 { print $10; exit }'; }
v() { "$BIN" verify "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
rc() { [ "$(cat "$W/rc")" = "$1" ] || { echo "exit $(cat "$W/rc"), want $1"; cat "$W/out"; return 1; }; }
has() { grep -qF -- "$1" "$W/out" || { echo "output lacks: $1"; cat "$W/out"; return 1; }; }

exec 3>&2 2>"$W/gpg.log"  # gpg's chatter goes to a log while the keys are made
head -c 1000000 /dev/urandom > "$W/data.bin"
printf 'line one\nline two\r\nline three\n' > "$W/text.txt"
"${G[@]}" --quick-gen-key 'Test 2048 <t2048@example.invalid>' rsa2048 sign never
"${G[@]}" --quick-gen-key 'Test 3072 <t3072@example.invalid>' rsa3072 sign never
"${G[@]}" --quick-gen-key 'Test Sub <tsub@example.invalid>' rsa4096 cert never
SUBP=$(fpr tsub@example.invalid)
"${G[@]}" --quick-add-key "$SUBP" rsa4096 sign never
"${G[@]}" --quick-gen-key 'Other <other@example.invalid>' rsa2048 sign never
"${G[@]}" --faked-system-time '20200101T000000!' --quick-gen-key 'Old <old@example.invalid>' rsa2048 sign 1d
"${G[@]}" --quick-gen-key 'Revoked Sub <rsub@example.invalid>' rsa2048 cert never
RP=$(fpr rsub@example.invalid)
"${G[@]}" --quick-add-key "$RP" rsa2048 sign never
for k in t2048 t3072 tsub old rsub; do
	gpg --export "$k@example.invalid" > "$W/$k.gpg"
	gpg --armor --export "$k@example.invalid" > "$W/$k.asc"
done
sig() { # OUT KEY [gpg options...]
	local out=$1 key=$2; shift 2
	"${G[@]}" --local-user "$key" "$@" --detach-sign -o "$out" "$W/data.bin"
}
sig "$W/d2048.sig" t2048@example.invalid --digest-algo SHA256
sig "$W/d3072.asc" t3072@example.invalid --digest-algo SHA384 --armor
sig "$W/dsub.sig" tsub@example.invalid --digest-algo SHA512
sig "$W/dsha1.sig" t2048@example.invalid --digest-algo SHA1
sig "$W/dother.sig" other@example.invalid --digest-algo SHA256
"${G[@]}" --faked-system-time '20200101T000100!' --local-user old@example.invalid --digest-algo SHA256 --detach-sign -o "$W/dold.sig" "$W/data.bin"
sig "$W/drsub.sig" rsub@example.invalid --digest-algo SHA256
"${G[@]}" --local-user t2048@example.invalid --textmode --digest-algo SHA256 --detach-sign -o "$W/text.sig" "$W/text.txt"
# revoke the signing subkey of rsub after signing with it
printf 'key 1\nrevkey\ny\n0\n\ny\nsave\n' | gpg --batch --pinentry-mode loopback --passphrase '' --command-fd 0 --edit-key "$RP" >/dev/null 2>&1
gpg --export rsub@example.invalid > "$W/rsub-revoked.gpg"
exec 2>&3 3>&-
echo "# gpg $(gpg --version | head -1 | awk '{print $3}'): keys and signatures made"

v --keyring "$W/t2048.gpg" "$W/data.bin" "$W/d2048.sig"
t "RSA-2048, SHA-256, binary key and signature: good" rc 0
t "... prints the signer's fingerprint and the hash" bash -c "grep -q '$(fpr t2048@example.invalid)' $W/out && grep -q SHA256 $W/out"
v --keyring "$W/t3072.asc" "$W/data.bin" "$W/d3072.asc"
t "RSA-3072, SHA-384, armored key and signature: good" bash -c "[ \$(cat $W/rc) = 0 ] && grep -q SHA384 $W/out"
v --keyring "$W/tsub.gpg" "$W/data.bin" "$W/dsub.sig"
t "RSA-4096 signing subkey, SHA-512: good, named as a subkey" bash -c "[ \$(cat $W/rc) = 0 ] && grep -q 'subkey $(sub_fpr tsub@example.invalid) of $SUBP' $W/out && grep -q SHA512 $W/out"
v --keyring "$W/t2048.gpg" "$W/text.txt" "$W/text.sig"
t "text-mode signature over mixed LF/CRLF lines: good" rc 0
head -c 999999 "$W/data.bin" > "$W/trunc.bin"; cp "$W/data.bin" "$W/flip.bin"; printf 'X' | dd of="$W/flip.bin" bs=1 seek=4242 conv=notrunc 2>/dev/null
v --keyring "$W/t2048.gpg" "$W/flip.bin" "$W/d2048.sig"
t "one byte changed: exit 102, bad signature" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'bad signature' $W/out"
v --keyring "$W/t2048.gpg" "$W/trunc.bin" "$W/d2048.sig"
t "truncated data: exit 102" rc 102
v --keyring "$W/t2048.gpg" "$W/data.bin" "$W/dsha1.sig"
t "SHA-1 document signature: exit 102, says SHA-1" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'SHA-1' $W/out"
v --keyring "$W/old.gpg" "$W/data.bin" "$W/dold.sig"
t "key expired (in 2020): exit 102, says expired" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'expired' $W/out"
v --keyring "$W/rsub.gpg" "$W/data.bin" "$W/drsub.sig"
t "subkey before revocation: good" rc 0
v --keyring "$W/rsub-revoked.gpg" "$W/data.bin" "$W/drsub.sig"
t "revoked subkey: exit 102, says revoked" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'revoked' $W/out"
v --keyring "$W/t2048.gpg" "$W/data.bin" "$W/dother.sig"
t "unknown signer: exit 102, names the issuer" bash -c "[ \$(cat $W/rc) = 102 ] && grep -q 'unknown signer' $W/out"
v "$W/data.bin" "$W/d2048.sig"
t "default trust (the Amazon ECS key) does not know a test key: exit 102" rc 102
v --keyring "$W/t2048.gpg" --keyring "$W/t3072.gpg" "$W/data.bin" "$W/d3072.asc"
t "two --keyring files: the second key is found" rc 0
v --keyring "$W/t2048.gpg" "$W/data.bin"
t "missing SIG argument: exit 100" rc 100
v --keyring "$W/t2048.gpg" "$W/none.bin" "$W/d2048.sig"
t "missing data file: exit 100" rc 100
v --keyring "$W/data.bin" "$W/data.bin" "$W/d2048.sig"
t "a keyring that is not a key: exit 100" rc 100
cp "$W/d3072.asc" "$W/bad.asc"; sed -i '4s/./%/' "$W/bad.asc"
v --keyring "$W/t3072.asc" "$W/data.bin" "$W/bad.asc"
t "corrupted armor: exit 102" rc 102
t_summary
