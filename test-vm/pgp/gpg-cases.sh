#!/bin/bash
# test-vm/pgp/gpg-cases.sh BIN: `ecs-bootstrap verify` against keys and signatures made
# here by real gpg in a throw-away GNUPGHOME: RSA 2048/3072/4096, a signing subkey,
# SHA-256/384/512, text mode (CRs as gpg canonicalises them), armored and binary, tampered
# data, an expired key, a subkey of an expired primary, expired self- and binding signatures,
# the newest of several bindings, signatures older than their key, a revoked subkey, SHA-1, an
# unknown signer, a keyring file of several armored blocks.  Key signatures gpg will not make
# (with a signature expiration time) are assembled here and signed by gpg-agent with the gpg
# key (PKSIGN).  Needs no root.  TAP lines, then "N passed, N failed".
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
bad() { rc 102 && has "$1"; } # exit 102 and the reason
agree() { # RC SIG DATA [REASON]: our exit code is RC (and the reason), and gpg's own verdict is the same
	rc "$1" && { [ -z "${4:-}" ] || has "$4"; } || return 1
	if gpg --batch --verify "$2" "$3" >/dev/null 2>&1; then [ "$1" = 0 ]; else [ "$1" != 0 ]; fi || { echo "gpg disagrees"; return 1; }
}

# --- key signatures gpg will not make (a signature expiration time on a self-signature or a
# binding).  The packets are put together here; gpg-agent signs their SHA-256 with the key.
hx() { od -An -v -tx1 | tr -d ' \n'; }             # bytes -> hex
unhx() { printf '%b' "$(sed 's/../\\x&/g')"; }     # hex -> bytes
h16() { printf '%04x' "$1"; }
h32() { printf '%08x' "$1"; }
grip() { gpg --with-keygrip --with-colons --list-keys "$1" | awk -F: -v n="$2" '$1 == "grp" && ++i == n { print $10; exit }'; }
agent_sign() { # KEYGRIP SHA256-HEX -> the RSA value, hex (the D lines are hex-dumped, %XX-escaped S-expression)
	gpg-connect-agent --hex "SIGKEY $1" "SETHASH --hash=sha256 $2" PKSIGN /bye | awk '
	BEGIN { for (i = 0; i < 10; i++) d[sprintf("%x", 48 + i)] = i; for (i = 0; i < 6; i++) { d[sprintf("%x", 65 + i)] = 10 + i; d[sprintf("%x", 97 + i)] = 10 + i } }
	/^D\[/ { s = substr($0, 10, 48); gsub(/ /, "", s); for (i = 1; i < length(s); i += 2) b[n++] = tolower(substr(s, i, 2)) }
	END {
		for (i = 0; i < n; i++)
			if (b[i] == "25") { o[m++] = sprintf("%02x", d[b[i + 1]] * 16 + d[b[i + 2]]); i += 2 } else o[m++] = b[i]
		for (i = 0; i + 3 < m; i++) if (o[i] o[i + 1] o[i + 2] o[i + 3] == "28313a73") break   # "(1:s"
		for (i += 4; o[i] != "3a"; i++) len = len * 10 + d[o[i]]
		for (j = 1; j <= len; j++) printf "%s", o[i + j]
		print ""
	}'
}
mpi() { local s=$1 b f; while [ "${s:0:2}" = 00 ]; do s=${s:2}; done; b=$((${#s} * 4)) f=$((16#${s:0:2})); while [ $f -lt 128 ]; do f=$((f << 1)) b=$((b - 1)); done; echo "$(h16 $b)$s"; }
pkts() { # FILE -> "TAG BODY-HEX" for each packet
	local h i=0 n c tag len l1 w
	h=$(hx <"$1"); n=${#h}
	while [ $i -lt $n ]; do
		c=$((16#${h:i:2})); i=$((i + 2))
		if ((c & 64)); then
			tag=$((c & 63)) l1=$((16#${h:i:2})); i=$((i + 2))
			if [ $l1 -lt 192 ]; then len=$l1
			elif [ $l1 -lt 224 ]; then len=$((((l1 - 192) << 8) + 16#${h:i:2} + 192)); i=$((i + 2))
			else len=$((16#${h:i:8})); i=$((i + 8)); fi
		else
			tag=$(((c >> 2) & 15)) w=$((2 << (c & 3))); len=$((16#${h:i:w})); i=$((i + w))
		fi
		echo "$tag ${h:i:len*2}"; i=$((i + len * 2))
	done
}
nth() { pkts "$1" | awk -v t="$2" -v n="${3:-1}" '$1 == t && ++i == n { print $2 }'; }   # FILE TAG [N]: the Nth such packet's body
last() { pkts "$1" | awk -v t="$2" '$1 == t { b = $2 } END { print b }'; }
pkt() { printf '%02x%s%s' $((0x81 | ($1 << 2))) "$(h16 $((${#2} / 2)))" "$2"; }   # TAG BODY -> old-format packet
subp() { local l=$((${#2} / 2 + 1)); if [ $l -lt 192 ]; then printf '%02x' $l; else printf '%02x%02x' $((((l - 192) >> 8) + 192)) $(((l - 192) & 255)); fi; printf '%s%s' "$1" "$2"; }
# ksig CLASS GRIP ISSUER-FPR CREATED SIG-EXPIRY-SECS(0 = none) PRIMARY UID|- SUBKEY|- [MORE-HASHED-SUBPACKETS]
#   -> a v4 RSA/SHA-256 key signature packet body, as RFC 4880 5.2.4 hashes it
ksig() {
	local hs H m dig
	hs=$(subp 02 "$(h32 "$4")"); [ "$5" != 0 ] && hs+=$(subp 03 "$(h32 "$5")")
	hs+=$(subp 21 "04$3")${9:-}
	H="04$1""0108$(h16 $((${#hs} / 2)))$hs"
	m="99$(h16 $((${#6} / 2)))$6"
	[ "$7" != - ] && m+="b4$(h32 $((${#7} / 2)))$7"
	[ "$8" != - ] && m+="99$(h16 $((${#8} / 2)))$8"
	m+="${H}04ff$(h32 $((${#H} / 2)))"
	dig=$(unhx <<<"$m" | sha256sum | cut -c1-64)
	echo "${H}000a$(subp 10 "${3:24:16}")${dig:0:4}$(mpi "$(agent_sign "$2" "$dig")")"
}
T0=1577836800 # 2020-01-01T00:00:00Z

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
# a subkey that never expires under a primary that expired in 2020
"${G[@]}" --faked-system-time '20200101T000000!' --quick-gen-key 'Expired Primary <xp@example.invalid>' rsa2048 cert 1d
XP=$(fpr xp@example.invalid)
"${G[@]}" --faked-system-time '20200101T000010!' --quick-add-key "$XP" rsa2048 sign never
gpg --export xp@example.invalid > "$W/xp.gpg"
"${G[@]}" --faked-system-time '20200101T000100!' --local-user "$(sub_fpr xp@example.invalid)!" --digest-algo SHA256 --detach-sign -o "$W/dxp.sig" "$W/data.bin"
# three bindings of one signing subkey: B1 2020-01-01 never expires, B2 2020-06-01 expires the
# next day, B3 (now) never expires.  gpg keeps only the newest, so they are spliced by hand.
"${G[@]}" --faked-system-time '20200101T000000!' --quick-gen-key 'Bindings <nb@example.invalid>' rsa2048 cert never
NB=$(fpr nb@example.invalid)
"${G[@]}" --faked-system-time '20200101T000010!' --quick-add-key "$NB" rsa2048 sign never
NBS=$(sub_fpr nb@example.invalid)
gpg --export nb@example.invalid > "$W/nb1.gpg"
"${G[@]}" --faked-system-time '20200601T000000!' --quick-set-expire "$NB" 1d "$NBS"
gpg --export nb@example.invalid > "$W/nb2.gpg"
"${G[@]}" --quick-set-expire "$NB" never "$NBS"
gpg --export nb@example.invalid > "$W/nb3.gpg"
"${G[@]}" --faked-system-time '20200101T000100!' --local-user "$NBS!" --digest-algo SHA256 --detach-sign -o "$W/dnb.sig" "$W/data.bin"
nbhead=$(pkt 6 "$(nth "$W/nb1.gpg" 6)")$(pkt 13 "$(nth "$W/nb1.gpg" 13)")$(pkt 2 "$(nth "$W/nb1.gpg" 2)")$(pkt 14 "$(nth "$W/nb1.gpg" 14)")
B1=$(pkt 2 "$(last "$W/nb1.gpg" 2)") B2=$(pkt 2 "$(last "$W/nb2.gpg" 2)") B3=$(pkt 2 "$(last "$W/nb3.gpg" 2)")
unhx <<<"$nbhead$B3$B2" > "$W/nb-32.gpg" # newest first: the older B2 would expire the subkey
unhx <<<"$nbhead$B2$B1" > "$W/nb-21.gpg" # newest (B2, expired) first: the older B1 would not
# a self-signature that itself expired (signature expiration time) in 2020
"${G[@]}" --faked-system-time '20200101T000000!' --quick-gen-key 'Self Sig <xs@example.invalid>' rsa2048 sign never
XS=$(fpr xs@example.invalid)
gpg --export xs@example.invalid > "$W/xs.gpg"
xsp=$(nth "$W/xs.gpg" 6) xsu=$(nth "$W/xs.gpg" 13)
unhx <<<"$(pkt 6 "$xsp")$(pkt 13 "$xsu")$(pkt 2 "$(ksig 13 "$(grip "$XS" 1)" "$XS" $((T0 + 5)) 86400 "$xsp" "$xsu" - "$(subp 1b 03)")")" > "$W/xs-expired.gpg"
unhx <<<"$(pkt 6 "$xsp")$(pkt 13 "$xsu")$(pkt 2 "$(ksig 13 "$(grip "$XS" 1)" "$XS" $((T0 + 5)) 0 "$xsp" "$xsu" - "$(subp 1b 03)")")" > "$W/xs-fresh.gpg"
"${G[@]}" --faked-system-time '20200101T000100!' --local-user "$XS" --digest-algo SHA256 --detach-sign -o "$W/dxs.sig" "$W/data.bin"
# a subkey binding signature that itself expired in 2020 (with its back-signature, 0x19)
"${G[@]}" --faked-system-time '20200101T000000!' --quick-gen-key 'Binding Sig <xb@example.invalid>' rsa2048 cert never
XB=$(fpr xb@example.invalid)
"${G[@]}" --faked-system-time '20200101T000010!' --quick-add-key "$XB" rsa2048 sign never
XBS=$(sub_fpr xb@example.invalid)
gpg --export xb@example.invalid > "$W/xb.gpg"
xbp=$(nth "$W/xb.gpg" 6) xbs=$(nth "$W/xb.gpg" 14)
xbhead=$(pkt 6 "$xbp")$(pkt 13 "$(nth "$W/xb.gpg" 13)")$(pkt 2 "$(nth "$W/xb.gpg" 2)")$(pkt 14 "$xbs")
xbback=$(ksig 19 "$(grip "$XB" 2)" "$XBS" $((T0 + 20)) 0 "$xbp" - "$xbs")
unhx <<<"$xbhead$(pkt 2 "$(ksig 18 "$(grip "$XB" 1)" "$XB" $((T0 + 20)) 86400 "$xbp" - "$xbs" "$(subp 1b 02)$(subp 20 "$xbback")")")" > "$W/xb-expired.gpg"
unhx <<<"$xbhead$(pkt 2 "$(ksig 18 "$(grip "$XB" 1)" "$XB" $((T0 + 20)) 0 "$xbp" - "$xbs" "$(subp 1b 02)$(subp 20 "$xbback")")")" > "$W/xb-fresh.gpg"
"${G[@]}" --faked-system-time '20200101T000100!' --local-user "$XBS!" --digest-algo SHA256 --detach-sign -o "$W/dxb.sig" "$W/data.bin"
# signatures older than their key (gpg makes them only when told to ignore the time conflict)
"${G[@]}" --faked-system-time '20200101T000000!' --quick-gen-key 'Time Conflict <tc@example.invalid>' rsa2048 sign never
TC=$(fpr tc@example.invalid)
"${G[@]}" --faked-system-time '20210101T000000!' --quick-add-key "$TC" rsa2048 sign never
TCS=$(sub_fpr tc@example.invalid)
gpg --export tc@example.invalid > "$W/tc.gpg"
"${G[@]}" --faked-system-time '20190601T000000!' --ignore-time-conflict --ignore-valid-from --local-user "$TC!" --digest-algo SHA256 --detach-sign -o "$W/dtc-primary.sig" "$W/data.bin"
"${G[@]}" --faked-system-time '20200601T000000!' --ignore-time-conflict --ignore-valid-from --local-user "$TCS!" --digest-algo SHA256 --detach-sign -o "$W/dtc-sub.sig" "$W/data.bin"
"${G[@]}" --faked-system-time '20210601T000000!' --local-user "$TCS!" --digest-algo SHA256 --detach-sign -o "$W/dtc-ok.sig" "$W/data.bin"
# a keyring file of two armored blocks, as `gpg --armor --export A >> f` makes it
cat "$W/t2048.asc" "$W/t3072.asc" > "$W/two.asc"
# text mode: what gpg hashes for CRs (line ends become CRLF, CRs before a line end and at the
# very end are dropped, a CR elsewhere is kept, blanks are kept: --no-rfc2440-text)
printf 'a\rb\nc\n' > "$W/tx-lonecr.txt"
printf 'one\r\r\ntwo\r\n' > "$W/tx-crcrlf.txt"
printf 'one\ntwo\r' > "$W/tx-crend.txt"
printf 'one\ntwo' > "$W/tx-nonl.txt"
: > "$W/tx-empty.txt"
printf 'one \t\ntwo \n' > "$W/tx-blank.txt"
printf 'one\r\ntwo' > "$W/tx-canon.txt"
for f in lonecr crcrlf crend nonl empty blank canon; do
	"${G[@]}" --local-user t2048@example.invalid --textmode --digest-algo SHA256 --detach-sign -o "$W/tx-$f.sig" "$W/tx-$f.txt"
done
printf 'one\r\r\r\ntwo\r\r' > "$W/tx-canon-crs.txt"
printf 'one\ntwo\n' > "$W/tx-blank-gone.txt"
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
v --keyring "$W/xp.gpg" "$W/data.bin" "$W/dxp.sig"
t "subkey (never expires) of a primary that expired in 2020: exit 102, says the primary expired" bad "primary key has expired"
v --keyring "$W/nb-32.gpg" "$W/data.bin" "$W/dnb.sig"
t "two subkey bindings, the newest (no expiry) first: the newest wins, good" rc 0
v --keyring "$W/nb-21.gpg" "$W/data.bin" "$W/dnb.sig"
t "two subkey bindings, the newest (subkey expired in 2020) first: the newest wins, exit 102" bad "expired"
v --keyring "$W/nb3.gpg" "$W/data.bin" "$W/dnb.sig"
t "... the same subkey with only the newest binding: good" rc 0
v --keyring "$W/xs-fresh.gpg" "$W/data.bin" "$W/dxs.sig"
t "assembled self-signature (gpg-agent signed), no expiration: good" rc 0
v --keyring "$W/xs-expired.gpg" "$W/data.bin" "$W/dxs.sig"
t "self-signature that itself expired in 2020: exit 102, says so" bad "self-signature has expired"
v --keyring "$W/xb-fresh.gpg" "$W/data.bin" "$W/dxb.sig"
t "assembled subkey binding with back-signature, no expiration: good" rc 0
v --keyring "$W/xb-expired.gpg" "$W/data.bin" "$W/dxb.sig"
t "subkey binding signature that itself expired in 2020: exit 102, says so" bad "binding signature has expired"
v --keyring "$W/tc.gpg" "$W/data.bin" "$W/dtc-primary.sig"
t "signature made before its key was created: exit 102, time conflict (gpg agrees)" agree 102 "$W/dtc-primary.sig" "$W/data.bin" "time conflict"
v --keyring "$W/tc.gpg" "$W/data.bin" "$W/dtc-sub.sig"
t "signature made before its signing subkey was created: exit 102, time conflict (gpg agrees)" agree 102 "$W/dtc-sub.sig" "$W/data.bin" "time conflict"
v --keyring "$W/tc.gpg" "$W/data.bin" "$W/dtc-ok.sig"
t "... the same subkey's signature made after it was created: good (gpg agrees)" agree 0 "$W/dtc-ok.sig" "$W/data.bin"
v --keyring "$W/two.asc" "$W/data.bin" "$W/d3072.asc"
t "one keyring file of two armored blocks: the key in the second block is found" rc 0
v --keyring "$W/two.asc" "$W/data.bin" "$W/d2048.sig"
t "... and the key in the first" rc 0
for f in lonecr crcrlf crend nonl empty blank; do
	v --keyring "$W/t2048.gpg" "$W/tx-$f.txt" "$W/tx-$f.sig"
	t "text mode, gpg's signature over '$(od -An -c "$W/tx-$f.txt" | tr -s ' ' | sed 's/^ //')': good" rc 0
done
v --keyring "$W/t2048.gpg" "$W/tx-canon-crs.txt" "$W/tx-canon.sig"
t "text mode: extra CRs before line ends and at the end do not change the text (gpg agrees)" agree 0 "$W/tx-canon.sig" "$W/tx-canon-crs.txt"
v --keyring "$W/t2048.gpg" "$W/tx-blank-gone.txt" "$W/tx-blank.sig"
t "text mode: trailing blanks are part of a detached text signature (gpg agrees)" agree 102 "$W/tx-blank.sig" "$W/tx-blank-gone.txt"
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
