#!/bin/sh
# EC2 user data: turn this instance into an Amazon ECS container instance with ecs-bootstrap.
# Set the parameters (or pass them in the environment).  The binary is downloaded from your
# bucket, its sha256 checked, then run; exit codes (see `ecs-bootstrap --help`):
# 111 = temporary (retried here after a growing, random pause), 100/101/102 = do not retry.
# On aarch64 (Graviton) the arm64 binary is taken: BS_URL-arm64 (make release's
# ecs-bootstrap-arm64, uploaded beside ecs-bootstrap) and BS_SHA256_ARM64.
: "${BS_URL:=https://YOUR-BUCKET.s3.amazonaws.com/ecs-bootstrap/0.1.0/ecs-bootstrap}"
: "${BS_SHA256:=PUT-THE-SHA256-OF-THE-BINARY-HERE}"
: "${BS_SHA256_ARM64:=PUT-THE-SHA256-OF-THE-ARM64-BINARY-HERE}"
: "${CLUSTER=}"         # empty: ecs.config's (an image's baked one, else "default")
: "${BS_TRIES:=10}"   # attempts, for the download and for temporary failures
: "${BS_PAUSE:=3}"    # seconds; the pause grows with each attempt
set -u
bin=/usr/local/bin/ecs-bootstrap
# The pause after attempt $try: 0 to 2 x try x BS_PAUSE seconds at random, so that the
# instances of a fleet launched together do not all try again at the same moment.
pause() {
	r=$(od -An -N2 -tu2 /dev/urandom 2> /dev/null) || r=$$
	sleep $((${r:-0} % (2 * try * BS_PAUSE + 1)))
}
case $(uname -m) in aarch64 | arm64) BS_URL=$BS_URL-arm64 BS_SHA256=$BS_SHA256_ARM64 ;; esac

fetched=no
try=0
while [ "$try" -lt "$BS_TRIES" ]; do
	try=$((try + 1))
	if curl -fsS -o "$bin.download" "$BS_URL" && echo "$BS_SHA256  $bin.download" | sha256sum -c --quiet -; then
		chmod 0755 "$bin.download" && mv "$bin.download" "$bin" && fetched=yes && break
	fi
	rm -f "$bin.download"
	[ "$try" -lt "$BS_TRIES" ] || break
	echo "user-data: download of ecs-bootstrap failed (try $try), retrying" >&2
	pause
done
[ "$fetched" = yes ] || { echo "user-data: could not download a binary with the expected sha256" >&2; exit 1; }

try=0
while [ "$try" -lt "$BS_TRIES" ]; do
	try=$((try + 1))
	"$bin" run ${CLUSTER:+--cluster "$CLUSTER"} --wait=300
	rc=$?
	case $rc in
	0) exit 0 ;;
	111) [ "$try" -lt "$BS_TRIES" ] || break
		echo "user-data: temporary failure (try $try), retrying" >&2; pause ;;
	*) echo "user-data: ecs-bootstrap exited $rc: not retrying" >&2; exit "$rc" ;;
	esac
done
echo "user-data: still a temporary failure after $BS_TRIES tries" >&2
exit 111
