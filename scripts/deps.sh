#!/bin/sh
# Install what building and testing need, on Debian 12, as root.  Quiet when all is there.
set -eu
pkgs="musl-tools clang llvm gcc make binutils iptables iproute2 util-linux procps file python3
 cppcheck clang-tidy xz-utils bzip2 ca-certificates curl diffutils openssl time gnupg docker.io
 qemu-system-x86 qemu-utils debootstrap cloud-image-utils e2fsprogs valgrind apparmor dpkg-dev
 gcc-aarch64-linux-gnu qemu-user-static docker-registry apache2-utils"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root, or install them)" >&2
	exit 1
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
