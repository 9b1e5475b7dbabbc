#!/bin/bash
# test-vm/sandbox/bench-verify.sh BIN [MB] [RUNS]: `ecs-bootstrap verify` of an OpenPGP detached
# signature over MB MiB (default 1024, on tmpfs) next to its anchors in the same run:
# `openssl dgst -sha512` (the hash alone: the limit for a SHA-512 signature, which gpg makes by
# default) and `gpgv` (the installation document's check), for SHA-512 and SHA-256 signatures.
# Median seconds of RUNS (default 3), throughput, the ratio to openssl, and peak RSS (GNU time).
# Needs no root and no network.  Prints figures; asserts nothing (the goal: within
# 1.5x of openssl dgst -sha512).
set -uo pipefail
BIN=${1:?usage: bench-verify.sh BIN [MB] [RUNS]}; MB=${2:-1024}; RUNS=${3:-3}
T=$(mktemp -d /dev/shm/ecs-bench-verify.XXXXXX)
trap 'rm -rf "$T"' EXIT
export GNUPGHOME=$T/gnupg
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --pinentry-mode loopback --passphrase '' --quick-gen-key 'bench <bench@example.invalid>' rsa4096 sign never 2>/dev/null ||
	{ echo "gpg could not make a key"; exit 1; }
gpg --batch --quiet --export > "$T/key.gpg"
head -c $((MB * 1048576)) /dev/urandom > "$T/data"
one() { # LABEL CMD... -> "seconds maxrss_kb"
	local label=$1; shift
	/usr/bin/time -f '%e %M' -o "$T/time" "$@" > /dev/null 2> "$T/err.$label" || { echo "$label failed:" >&2; cat "$T/err.$label" >&2; return 1; }
	cat "$T/time"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "# verify of $MB MiB on tmpfs, median of $RUNS; $(nproc) cores; $(openssl version)"
printf '%-34s %9s %10s %8s %10s\n' "what" "seconds" "MiB/s" "ratio" "peak RSS"
for dg in SHA512 SHA256; do
	gpg --batch --quiet --yes --digest-algo "$dg" --detach-sign -o "$T/data.sig" "$T/data" 2>/dev/null
	dgl=$(echo "$dg" | tr 'A-Z' 'a-z')
	declare -A sec=() rss=()
	for label in ours openssl gpgv; do
		s=() r=()
		for _ in $(seq "$RUNS"); do
			case $label in
			ours) set -- $(one ours "$BIN" verify --keyring "$T/key.gpg" "$T/data" "$T/data.sig") ;;
			openssl) set -- $(one openssl openssl dgst "-$dgl" "$T/data") ;;
			gpgv) set -- $(one gpgv gpgv --keyring "$T/key.gpg" "$T/data.sig" "$T/data") ;;
			esac
			[ $# = 2 ] || exit 1
			s+=("$1") r+=("$2")
		done
		sec[$label]=$(printf '%s\n' "${s[@]}" | median)
		rss[$label]=$(printf '%s\n' "${r[@]}" | sort -n | tail -1)
	done
	for label in ours openssl gpgv; do
		awk -v l="$label ($dg signature)" -v s="${sec[$label]}" -v o="${sec[openssl]}" -v mb="$MB" -v r="${rss[$label]}" \
			'BEGIN { printf "%-34s %9.2f %10.0f %7.2fx %7.1f MiB\n", l, s, (s > 0 ? mb / s : 0), (o > 0 ? s / o : 0), r / 1024 }'
	done
	unset sec rss
done
