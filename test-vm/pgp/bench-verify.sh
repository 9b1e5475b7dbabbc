#!/bin/bash
# test-vm/pgp/bench-verify.sh BIN [MB] [RUNS]: `ecs-bootstrap verify` next to gpgv on the
# same file (default 200 MB), key (RSA-4096 with a signing subkey, like the ECS key) and
# a SHA-256 and a SHA-512 signature: median wall time of RUNS (default 5), ratio, peak RSS.  Prints figures.
set -uo pipefail
BIN=${1:?BIN}; MB=${2:-200}; RUNS=${3:-5}
W=$(mktemp -d /tmp/ecs-bench-verify.XXXXXX)
export GNUPGHOME=$W/gnupg
mkdir -m 700 "$GNUPGHOME"
trap 'gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$W"' EXIT
G=(gpg --batch --quiet --pinentry-mode loopback --passphrase '')
"${G[@]}" --quick-gen-key 'Bench <bench@example.invalid>' rsa4096 cert never 2>/dev/null
P=$(gpg --with-colons --list-keys bench@example.invalid | awk -F: '$1 == "fpr" { print $10; exit }')
"${G[@]}" --quick-add-key "$P" rsa4096 sign never 2>/dev/null
gpg --export bench@example.invalid > "$W/key.gpg" 2>/dev/null
head -c $((MB * 1048576)) /dev/urandom > "$W/data"
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
run() { /usr/bin/time -f '%e %M' -o "$W/t" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; cat "$W/t"; }
ni=$(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)
# SHA-256 (SHA-NI here) and SHA-512 (gpg 2.2's choice for a new RSA key: portable code)
for dig in SHA256 SHA512; do
	"${G[@]}" --yes --digest-algo $dig --detach-sign -o "$W/data.sig" "$W/data" 2>/dev/null
	ours=() gp=() ro=0 rg=0
	for _ in $(seq "$RUNS"); do
		cat "$W/data" > /dev/null  # same page-cache state for both
		set -- $(run "$BIN" verify --keyring "$W/key.gpg" "$W/data" "$W/data.sig"); ours+=("$1"); [ "$2" -gt "$ro" ] && ro=$2
		set -- $(run gpgv --keyring "$W/key.gpg" "$W/data.sig" "$W/data"); gp+=("$1"); [ "$2" -gt "$rg" ] && rg=$2
	done
	o=$(printf '%s\n' "${ours[@]}" | med); g=$(printf '%s\n' "${gp[@]}" | med)
	awk -v o="$o" -v g="$g" -v mb="$MB" -v ro="$ro" -v rg="$rg" -v ni="$ni" -v dig="$dig" 'BEGIN {
		printf "verify %d MiB (RSA-4096 subkey, %s): ecs-bootstrap %.2f s (%.0f MiB/s), gpgv %.2f s (%.0f MiB/s), time ratio ours/gpgv %.2f; peak RSS ours %d KiB, gpgv %d KiB; SHA-NI on this CPU: %s\n",
			mb, dig, o, mb / o, g, mb / g, o / g, ro, rg, ni }'
done
