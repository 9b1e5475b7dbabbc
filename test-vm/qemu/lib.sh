#!/bin/bash
# test-vm/qemu/lib.sh: an EC2-like qemu guest (TCG: KVM does not work here) for the end-to-end
# test and `make demo`.  Brings in ../sandbox/lib.sh (tap helpers, agent_key_up, sbx_down).
#
#   vm_init            root check; stop the guest and clean up on exit
#   vm_env_up BIN      $W, a network namespace $NS holding everything on the host side (so
#                      nothing listens on the machine's own loopback): the fake S3 over TLS
#                      (127.0.0.1:8443, certificates from the guest's baked-in test CA) with
#                      the release bucket (BIN, as the operator would upload it) and the signed
#                      stand-in agent in Amazon's bucket, and the throw-away signing key;
#                      the tasks' image (build/task-probe) in the release bucket; the fake
#                      ECS control plane (127.0.0.1:8444, TLS with the guest's CA, clusters
#                      $CLUSTER, tasks from $W/tasks: `place`), its record in $W/ecs.log.
#   vm_boot NAME EXAMPLE INSTANCE_ID [REFUSE_S [KEY=VALUE...]]
#                      a new instance: fresh copy-on-write disk over the cached image (or over
#                      VM_BASE, another instance's disk: an image made from it), a NoCloud
#                      seed made from docs/examples/EXAMPLE (user-data | cloud-config), the fake
#                      IMDSv2 for INSTANCE_ID, qemu in the background.  Guest network
#                      169.254.0.0/16 with restrict=on: only 169.254.169.254:80 (IMDS),
#                      169.254.0.100:443 (s3.amazonaws.com), 169.254.0.101:443 (the release
#                      bucket) and 169.254.0.102:443 (ECS, its ACS and telemetry hosts: the seed
#                      puts them in /etc/hosts) lead anywhere, each relayed to a fake.  REFUSE_S: Amazon's S3
#                      endpoint refuses connections for that many seconds after the first one
#                      (empty: never).  KEY=VALUE: exported for the user data's run.  The user
#                      data's CLUSTER is $CLUSTER (vm-cluster), or SEED_CLUSTER when set (empty:
#                      none named).  VM_CLUSTERS: more clusters the fake ECS knows (a,b).
#                      VM_APPARMOR=1: the kernel enforces AppArmor (else apparmor=0).
#                      An image with a package mirror (build-image.sh's trixie): the
#                      guest's 169.254.0.103:80 is it, served from the image's mirror/
#                      (requests in $W/mirror.log).
#   G [-t S] CMD       run a shell command in the guest through the qemu guest agent
#   vm_wait_agent S    wait until the guest agent answers (boot or reboot done)
#   vm_reboot, vm_stop, vm_poweroff (a clean shutdown, its disk whole: to make an image of it)
set -uo pipefail
QEMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VMCACHE=${VMCACHE:-$QEMU_DIR/cache}
SUITE=${SUITE:-bookworm}       # the guest's Debian suite: bookworm, trixie or sid (build-image.sh)
VMIMG=$VMCACHE/$SUITE          # its image (build-image.sh VMIMG SUITE)
RELAY=$(cd "$QEMU_DIR/../.." && pwd)/build/vm-relay  # make build/vm-relay (relay.c)
. "$QEMU_DIR/../sandbox/lib.sh"

vm_init() {
	[ "$(id -u)" = 0 ] || { echo "test-vm/qemu needs root (network namespaces)"; exit 1; }
	trap 'vm_stop; sbx_down' EXIT
}

NSX() { nsenter --net=/run/netns/"$NS" -- "$@"; }
NSX_BG() { nsenter --net=/run/netns/"$NS" -- "$@" & BG_PID=$!; SBX_PIDS+=("$BG_PID"); }

vm_env_up() {
	local bin=$1
	[ -x "$RELAY" ] || { echo "missing $RELAY (make build/vm-relay)"; return 1; }
	W=$(mktemp -d /tmp/ecs-vm.XXXXXX)
	NS=ecs-vm-$$
	ip netns add "$NS" && ip -n "$NS" link set lo up || return 1
	mkdir -p "$W/tls" "$W/s3/release-bucket/ecs-bootstrap" || return 1
	cp "$VMIMG/ca.crt" "$VMIMG/ca.key" "$W/tls/" && sh "$FAKE/gen-certs.sh" "$W/tls" || return 1
	cp "$bin" "$W/s3/release-bucket/ecs-bootstrap/ecs-bootstrap" || return 1
	BIN_SHA256=$(sha256sum "$bin" | cut -d' ' -f1)
	BS_URL=https://release-bucket.s3.us-east-1.amazonaws.com/ecs-bootstrap/ecs-bootstrap
	echo '{}' > "$W/faults.json"
	agent_key_up || return 1
	mkdir -p "$W/s3/release-bucket/test" && probe_image "$W/s3/release-bucket/test/task-probe.tar" || return 1
	PROBE_URL=${BS_URL%/ecs-bootstrap/*}/test/task-probe.tar
	sh "$FAKE/gen-certs.sh" "$W/tls" ecs && mkdir -p "$W/tasks" || return 1
	NSX_BG python3 "$FAKE/fake_aws.py" ecs --bind 127.0.0.1 --port 8444 --public-port 443 --cert "$W/tls/ecs.crt" \
		--key "$W/tls/ecs.key" --clusters "${CLUSTER:-vm-cluster}${VM_CLUSTERS:+,$VM_CLUSTERS}" --tasks "$W/tasks" >> "$W/ecs.log" 2>&1
	NSX_BG python3 "$FAKE/fake_aws.py" s3 --bind 127.0.0.1 --port 8443 --root "$W/s3" --anonymous-read \
		--cert "$W/tls/s3.crt" --key "$W/tls/s3.key" --faults "$W/faults.json" >> "$W/s3.log" 2>&1
	if [ -d "$VMIMG/mirror" ]; then
		NSX_BG python3 -m http.server 8180 --bind 127.0.0.1 --directory "$VMIMG/mirror" >> "$W/mirror.log" 2>&1
		MIRROR_FWD=",guestfwd=tcp:169.254.0.103:80-cmd:$RELAY 8180"
	fi
	for _ in $(seq 100); do NSX curl -s -o /dev/null --cacert "$W/tls/ca.crt" --resolve s3.amazonaws.com:8443:127.0.0.1 \
		https://s3.amazonaws.com:8443/ && NSX curl -s -o /dev/null --cacert "$W/tls/ca.crt" \
		--resolve ecs.us-east-1.amazonaws.com:8444:127.0.0.1 https://ecs.us-east-1.amazonaws.com:8444/ && return 0; sleep 0.1; done
	echo "the fake S3 or ECS did not come up"; return 1
}

vm_boot() {
	local name=$1 example=$2 iid=$3 refuse=${4:-} gate="" envs=() e
	shift 4 2>/dev/null || shift $#
	for e in "$@"; do envs+=(--env "$e"); done
	VM=$name
	[ -n "${PID_imds:-}" ] && { kill "$PID_imds" 2>/dev/null; wait "$PID_imds" 2>/dev/null; }
	NSX_BG python3 "$FAKE/fake_aws.py" imds --bind 127.0.0.1 --port 8169 --instance-id "$iid" \
		--faults "$W/faults.json" >> "$W/imds.log" 2>&1
	PID_imds=$BG_PID
	python3 "$QEMU_DIR/mkseed.py" --example "$example" --url "$BS_URL" --sha256 "$BIN_SHA256" --cluster "${SEED_CLUSTER-${CLUSTER:-vm-cluster}}" \
		--keyring "$AGENT_KEYRING" --instance-id "$iid" --ecs-ip 169.254.0.102 --probe-url "$PROBE_URL" "${envs[@]}" \
		"$W/$name.seed" || return 1
	cloud-localds -N "$W/$name.seed/network-config" "$W/$name.seed.img" "$W/$name.seed/user-data" "$W/$name.seed/meta-data" || return 1
	if [ -n "${VM_BASE:-}" ]; then
		qemu-img create -q -f qcow2 -b "$VM_BASE" -F qcow2 "$W/$name.qcow2" || return 1
	else
		qemu-img create -q -f qcow2 -b "$VMIMG/disk.ext4" -F raw "$W/$name.qcow2" 4G || return 1
	fi
	if [ -n "$refuse" ]; then gate=" $W/$name.gate"; echo "$refuse" > "$W/$name.gate"; fi
	# mitigations=off: the CPU vulnerability mitigations protect nothing in a test guest and cost
	# about 5% of a boot under TCG.  VM_CPU, VM_SMP, VM_KARGS: for experiments.
	local aa=apparmor=0
	[ -n "${VM_APPARMOR:-}" ] && aa="apparmor=1 security=apparmor"
	VM_T0=$(date +%s.%N)
	NSX_BG qemu-system-x86_64 -accel tcg,thread=multi -cpu "${VM_CPU:-max}" -smp "${VM_SMP:-2}" -m 2048 -nographic -nodefaults \
		-serial "file:$W/$name.serial" \
		-kernel "$VMIMG/vmlinuz" -initrd "$VMIMG/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 net.ifnames=0 mitigations=off $aa${VM_KARGS:+ $VM_KARGS}" \
		-drive "file=$W/$name.qcow2,if=virtio,format=qcow2" \
		-drive "file=$W/$name.seed.img,if=virtio,format=raw,readonly=on" \
		-netdev "user,id=n0,restrict=on,net=169.254.0.0/16,host=169.254.0.2,dhcpstart=169.254.0.15,guestfwd=tcp:169.254.169.254:80-cmd:$RELAY 8169,guestfwd=tcp:169.254.0.100:443-cmd:$RELAY 8443$gate,guestfwd=tcp:169.254.0.101:443-cmd:$RELAY 8443,guestfwd=tcp:169.254.0.102:443-cmd:$RELAY 8444${MIRROR_FWD:-}" \
		-device virtio-net-pci,netdev=n0,romfile= \
		-chardev "socket,path=$W/$name.qga,server=on,wait=off,id=qga0" \
		-device virtio-serial -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0 \
		>> "$W/$name.qemu.log" 2>&1
	PID_qemu=$BG_PID
}

G() { python3 "$QEMU_DIR/qga.py" "$W/$VM.qga" exec "$@"; }
vm_wait_agent() { python3 "$QEMU_DIR/qga.py" "$W/$VM.qga" ping "${1:-600}"; }
since() { python3 -c "import sys,time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$1"; }

# Wait until the guest agent stops answering (the guest went down), then until it is back.
vm_reboot() {
	python3 "$QEMU_DIR/qga.py" "$W/$VM.qga" reboot || return 1
	for _ in $(seq 120); do python3 "$QEMU_DIR/qga.py" "$W/$VM.qga" ping 2 2>/dev/null || break; sleep 1; done
	vm_wait_agent 600
}

vm_poweroff() {
	G "systemctl poweroff" >/dev/null 2>&1
	for _ in $(seq 300); do kill -0 "$PID_qemu" 2>/dev/null || break; sleep 0.5; done
	kill -0 "$PID_qemu" 2>/dev/null && { echo "the guest did not power off"; vm_stop; return 1; }
	wait "$PID_qemu" 2>/dev/null
	PID_qemu=
}

vm_stop() {
	[ -n "${PID_qemu:-}" ] || return 0
	kill "$PID_qemu" 2>/dev/null
	wait "$PID_qemu" 2>/dev/null
	PID_qemu=
}
