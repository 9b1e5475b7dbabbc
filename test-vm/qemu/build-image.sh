#!/bin/bash
# test-vm/qemu/build-image.sh DIR [SUITE]: a bootable Debian guest for the end-to-end test, made
# with debootstrap and `mkfs.ext4 -d` (nothing is mounted), cached in DIR and rebuilt only when
# this recipe or the suite changes (DIR/recipe holds the sha256 of this file and the suite).
# SUITE: bookworm (Debian 12, the default), trixie (Debian 13) or sid (unstable).  The same
# recipe for each; what differs is the distribution's, except on sid, where Docker is set up as
# Engine 29 is by default: the containerd image store, and API versions below 1.44 refused; and
# on trixie, built without Docker, as stock Debian images are: the test's user data installs it
# (ecs-bootstrap's docker step) from DIR/mirror, the .debs the step's apt-get install fetches,
# fetched here and served by the test (lib.sh) at http://169.254.0.103/, the guest's only source.
# DIR gets:
#   disk.ext4, vmlinuz, initrd.img   the guest (systemd, cloud-init, docker.io but on trixie,
#                                    iptables, curl, qemu-guest-agent for the host's assertions)
#   mirror/ (trixie)                 Packages, Release and the .debs of docker.io's install
#   ca.crt, ca.key                   the test CA, baked into the guest's trust store here rather
#                                    than by cloud-init's ca_certs module (~30 s under TCG)
# The guest resolves the S3 names to the addresses qemu relays to the host's fakes (/etc/hosts,
# as EC2's DNS would), takes its data source from a NoCloud seed only, and has no password.
# Packages come from the Debian mirror this machine's apt already uses (DEBIAN_MIRROR overrides).
set -euo pipefail
DIR=${1:?usage: build-image.sh DIR [bookworm|trixie|sid]}
SUITE=${2:-bookworm}
case $SUITE in bookworm | trixie | sid) ;; *) echo "build-image: unknown suite $SUITE (bookworm, trixie or sid)" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
want="$(sha256sum "$HERE/build-image.sh" | cut -d' ' -f1) $SUITE"
# One build of DIR at a time: make check starts the builds in the background and test-vm's
# call waits here for them, then finds the image current.
mkdir -p "$(dirname "$DIR")"
exec 9> "$DIR.lock"
flock 9
if [ -f "$DIR/recipe" ] && [ "$(cat "$DIR/recipe")" = "$want" ] &&
	[ -f "$DIR/disk.ext4" ] && [ -f "$DIR/vmlinuz" ] && [ -f "$DIR/initrd.img" ] && [ -f "$DIR/ca.crt" ]; then
	echo "build-image: cached guest in $DIR is current ($(cat "$DIR/built" 2> /dev/null))"
	exit 0
fi
t0=$(date +%s)
rm -rf "$DIR" && mkdir -p "$DIR"
R=$DIR/rootfs
MIRROR=${DEBIAN_MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
[ -n "$MIRROR" ] || MIRROR=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$MIRROR" ] || { echo "build-image: no Debian mirror found in the apt configuration (set DEBIAN_MIRROR)" >&2; exit 1; }

# python3-cffi-backend: debootstrap cannot resolve the virtual package cloud-init needs.
# From trixie on, the docker command is its own package (docker.io only recommends it); the
# test's assertions use it (ecs-bootstrap talks to the Engine API).
docker=,docker.io; [ "$SUITE" = bookworm ] || docker=,docker.io,docker-cli
[ "$SUITE" = trixie ] && docker=
debootstrap --variant=minbase \
	--include=systemd,systemd-sysv,udev,dbus,cloud-init,python3-cffi-backend,iptables,linux-image-amd64,ifupdown,iproute2,curl,ca-certificates,procps,kmod,netbase,qemu-guest-agent,apparmor,e2fsprogs$docker \
	"$SUITE" "$R" "$MIRROR" > "$DIR/debootstrap.log" 2>&1 ||
	{ echo "build-image: debootstrap failed; last lines of $DIR/debootstrap.log:" >&2; tail -20 "$DIR/debootstrap.log" >&2; exit 1; }
if [ -z "$docker" ]; then # the mirror: what the docker step's apt-get install fetches on this image
	cp "$R/etc/resolv.conf" "$DIR/resolv.conf.image" 2> /dev/null || true
	cp /etc/resolv.conf "$R/etc/resolv.conf"
	printf 'deb %s %s main\n' "$MIRROR" "$SUITE" > "$R/etc/apt/sources.list"
	rm -f "$R"/var/cache/apt/archives/*.deb # debootstrap's: the mirror holds only what the install fetches
	{ chroot "$R" apt-get -q update && chroot "$R" apt-get -q -y --download-only --no-install-recommends install docker.io docker-cli apparmor; } > "$DIR/mirror.log" 2>&1 ||
		{ echo "build-image: fetching docker.io's packages failed; last lines of $DIR/mirror.log:" >&2; tail -20 "$DIR/mirror.log" >&2; exit 1; }
	mkdir -p "$DIR/mirror" && mv "$R"/var/cache/apt/archives/*.deb "$DIR/mirror/"
	(
		cd "$DIR/mirror" && dpkg-scanpackages -m . > Packages 2> /dev/null && gzip -9nk Packages
		printf 'Origin: ecs-bootstrap test\nLabel: docker.io and what it needs, for the guest without Docker\nSuite: %s\nDate: %s\nSHA256:\n' \
			"$SUITE" "$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
		for f in Packages Packages.gz; do printf ' %s %s %s\n' "$(sha256sum < $f | cut -d' ' -f1)" "$(stat -c %s $f)" "$f"; done
	) > "$DIR/mirror.Release" && mv "$DIR/mirror.Release" "$DIR/mirror/Release"
	grep -q '^Package: docker.io$' "$DIR/mirror/Packages" || { echo "build-image: the mirror has no docker.io" >&2; exit 1; }
	rm -f "$R"/var/lib/apt/lists/*_* "$R"/etc/apt/sources.list.d/*
	printf 'deb [trusted=yes] http://169.254.0.103/ ./\n' > "$R/etc/apt/sources.list"
	if [ -f "$DIR/resolv.conf.image" ]; then mv "$DIR/resolv.conf.image" "$R/etc/resolv.conf"; else rm -f "$R/etc/resolv.conf"; fi
fi
rm -f "$R"/var/cache/apt/archives/*.deb "$R"/var/lib/apt/lists/*_Packages

# A smaller initrd and module tree: no hardware this guest will never see.
K=$(ls "$R/usr/lib/modules")
for d in drivers/gpu drivers/net/wireless drivers/media drivers/infiniband sound drivers/staging drivers/net/ethernet \
	drivers/bluetooth drivers/scsi drivers/usb drivers/hid drivers/iio drivers/input drivers/isdn drivers/mtd \
	drivers/video net/wireless net/mac80211 net/bluetooth; do rm -rf "$R/usr/lib/modules/$K/kernel/$d"; done
chroot "$R" depmod "$K"

echo ecsvm > "$R/etc/hostname"
printf '/dev/vda / ext4 defaults,discard 0 1\n' > "$R/etc/fstab"
printf 'datasource_list: [ NoCloud, None ]\n' > "$R/etc/cloud/cloud.cfg.d/90_datasource.cfg"
# minbase has no `locales`: cloud-init's locale module would fail (update-locale exits 255) and
# mark the boot as errored, which the test rightly counts as a failure.
printf 'locale: false\n' > "$R/etc/cloud/cloud.cfg.d/91_locale.cfg"
printf 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n' > "$R/etc/network/interfaces"
chroot "$R" passwd -d root > /dev/null
if [ "$SUITE" = sid ]; then # Docker as Engine 29 comes: the containerd image store, API >= 1.44
	mkdir -p "$R/etc/docker" "$R/etc/systemd/system/docker.service.d"
	printf '{ "features": { "containerd-snapshotter": true } }\n' > "$R/etc/docker/daemon.json"
	printf '[Service]\nEnvironment=DOCKER_MIN_API_VERSION=1.44\n' > "$R/etc/systemd/system/docker.service.d/engine-29.conf"
fi
# EC2's DNS, for this test: Amazon's agent bucket and the operator's release bucket.
printf '169.254.0.100 s3.amazonaws.com s3.us-east-1.amazonaws.com\n169.254.0.101 release-bucket.s3.us-east-1.amazonaws.com\n' >> "$R/etc/hosts"

# The test CA, valid ten years: the cache outlives many runs.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ecs-bootstrap guest test CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
	-keyout "$DIR/ca.key" -out "$DIR/ca.crt" 2> /dev/null
cp "$DIR/ca.crt" "$R/usr/local/share/ca-certificates/ecs-bootstrap-test-ca.crt"
chroot "$R" update-ca-certificates > /dev/null 2>&1

cp "$R/boot/vmlinuz-$K" "$DIR/vmlinuz"
cp "$R/boot/initrd.img-$K" "$DIR/initrd.img"
# debootstrap mounts /proc in the root and leaves it mounted when its unmount fails (a
# process reading there): mkfs would copy the live /proc and fail, and rm -rf would walk it
for m in $(awk -v r="$(realpath "$R")" '$2 ~ "^"r"/" { print $2 }' /proc/mounts | sort -r); do umount "$m" || umount -l "$m"; done
mkfs.ext4 -q -F -L root -d "$R" "$DIR/disk.ext4" 3G
rm -rf "$R"
echo "$want" > "$DIR/recipe"
echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) in $(($(date +%s) - t0)) s, kernel $K" > "$DIR/built"
echo "build-image: built $DIR/disk.ext4 ($SUITE, kernel $K) in $(($(date +%s) - t0)) s"
