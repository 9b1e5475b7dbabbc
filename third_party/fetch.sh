#!/bin/sh
# Fetch the pinned third-party sources listed in lock.txt and unpack them.
#
# usage: fetch.sh DESTDIR [PACKAGE...]      (default: every package in lock.txt)
#
# Where the sources come from: the machine's own apt sources.  We derive a private
# deb-src configuration from /etc/apt/sources.list{,.d} (same archives, "deb-src" type)
# under DESTDIR/.apt, so the host's apt state is never touched and no archive host
# name is written anywhere in this repository.  Each downloaded file is checked
# against lock.txt; a mismatch aborts and deletes the file.  Already verified files
# are reused (offline rebuilds work once the cache is filled).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: fetch.sh DESTDIR [PACKAGE...]}; shift
mkdir -p "$dest"; dest=$(cd "$dest" && pwd)
apt="$dest/.apt"; dl="$dest/downloads"
mkdir -p "$apt/sources.list.d" "$apt/lists/partial" "$apt/cache/archives/partial" "$dl"
# One fetch at a time per DESTDIR (make -j2 runs several; they share the private apt state).
exec 9> "$dest/.lock"
flock 9

pkgs="$*"
[ -n "$pkgs" ] || pkgs=$(awk '!/^#/ && NF==4 {print $1}' "$here/lock.txt")

sha_ok() { # file want
	[ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

need_apt=0
for p in $pkgs; do
	line=$(awk -v p="$p" '!/^#/ && $1==p' "$here/lock.txt")
	[ -n "$line" ] || { echo "fetch.sh: $p: not in lock.txt" >&2; exit 1; }
	set -- $line
	sha_ok "$dl/$3" "$4" || need_apt=1
done

aptopts="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=$apt/sources.list.d
 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache -o APT::Sandbox::User=root -q"
if [ "$need_apt" = 1 ]; then
	# Derive deb-src entries from the machine's configured archives.
	: > "$apt/sources.list"
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >> "$apt/sources.list"
	fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed -E 's/^Types:.*/Types: deb-src/' "$f" > "$apt/sources.list.d/${f##*/}"
	done
	for f in /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" > "$apt/sources.list.d/${f##*/}"
	done
	# shellcheck disable=SC2086
	apt-get $aptopts update >"$apt/update.log" 2>&1 || {
		echo "fetch.sh: apt-get update for deb-src failed (log: $apt/update.log); retry later" >&2; exit 111; }
fi

for p in $pkgs; do
	set -- $(awk -v p="$p" '!/^#/ && $1==p' "$here/lock.txt")
	pkg=$1 ver=$2 file=$3 want=$4
	if ! sha_ok "$dl/$file" "$want"; then
		rm -f "$dl/$file"
		# shellcheck disable=SC2086
		(cd "$dl" && apt-get $aptopts source --download-only --tar-only "$pkg=$ver") \
			>"$apt/source-$pkg.log" 2>&1 || true
		[ -f "$dl/$file" ] || { echo "fetch.sh: $pkg $ver: $file not downloaded (log: $apt/source-$pkg.log)" >&2; exit 111; }
		if ! sha_ok "$dl/$file" "$want"; then
			got=$(sha256sum "$dl/$file" | cut -d' ' -f1)
			rm -f "$dl/$file"
			echo "fetch.sh: $file: sha256 $got, lock.txt wants $want: refused" >&2
			exit 102
		fi
	fi
	out="$dest/$pkg"
	if [ ! -f "$out/.stamp" ] || [ "$(cat "$out/.stamp")" != "$want" ]; then
		rm -rf "$out" "$out.tmp"; mkdir -p "$out.tmp"
		tar -C "$out.tmp" --strip-components=1 -xf "$dl/$file"
		echo "$want" > "$out.tmp/.stamp"
		mv "$out.tmp" "$out"
	fi
	echo "fetch.sh: $pkg $ver ok"
done
