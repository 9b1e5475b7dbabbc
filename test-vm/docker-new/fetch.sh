#!/bin/sh
# test-vm/docker-new/fetch.sh DEST: Debian unstable's Docker Engine (docker.io) and containerd,
# unpacked under DEST/root, for the sandbox suite that runs a newer Docker than the machine's
# (test-vm/sandbox/docker-new.sh).  The machine's apt is not touched: a private apt state under
# DEST/apt with one source, unstable, on the same archive the machine's own sources name.
# runc stays the machine's (unstable's needs a newer glibc); dockerd and containerd run on
# Debian 12's.  Prints the versions; DEST/root/VERSIONS keeps them.  Safe to run again: a
# complete DEST is kept.
set -eu
DEST=${1:?usage: fetch.sh DEST}
[ -x "$DEST/root/usr/sbin/dockerd" ] && [ -f "$DEST/root/VERSIONS" ] && { cat "$DEST/root/VERSIONS"; exit 0; }
A=$DEST/apt
mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/etc" "$A/state" "$A/debs" "$DEST/root"
: > "$A/state/status"
# the archive the machine already uses (deb822 or one-line sources), not its security archive
uri=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n' | grep -v security | head -1)
[ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
[ -n "$uri" ] || { echo "fetch.sh: no Debian archive in the machine's apt sources" >&2; exit 1; }
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri unstable main" > "$A/etc/sources.list"
O="-o Dir::State::Lists=$A/lists -o Dir::Cache=$A/cache -o Dir::Etc::SourceList=$A/etc/sources.list
   -o Dir::Etc::SourceParts=/dev/null -o Dir::State::status=$A/state/status -o Debug::NoLocking=1 -o APT::Architecture=amd64"
# shellcheck disable=SC2086
apt-get -q $O update >/dev/null
# shellcheck disable=SC2086
(cd "$A/debs" && apt-get -q $O download docker.io containerd >/dev/null 2>&1) || {
	echo "fetch.sh: apt-get download docker.io containerd from unstable failed" >&2; exit 1; }
for d in "$A"/debs/*.deb; do dpkg-deb -x "$d" "$DEST/root"; done
rm -f "$DEST/root/usr/bin/docker-init" # a link to tini-static, which is not fetched: the machine's docker-init serves
{
	"$DEST/root/usr/sbin/dockerd" --version
	"$DEST/root/usr/bin/containerd" --version
} > "$DEST/root/VERSIONS"
rm -rf "$A/debs" "$A/cache"
cat "$DEST/root/VERSIONS"
