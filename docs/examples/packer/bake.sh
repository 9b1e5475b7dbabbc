#!/bin/sh
# Packer shell provisioner (ecs-ami.pkr.hcl): put ecs-bootstrap into the image and bake it.
# The binary is downloaded from your bucket and its sha256 checked, as in user-data.sh; then
# `ecs-bootstrap bake` downloads, verifies and loads the agent image, installs and enables
# ecs.service (not started), and removes what belongs to this build instance (container, agent
# data and logs, instance checkpoints, ECS_CLUSTER unless CLUSTER is set).  Instances made
# from the image then converge in their user data without downloading anything.
# Parameters, from the environment (environment_vars in the template): BS_URL, BS_SHA256,
# CLUSTER (optional: bake a cluster into the image).
set -eu
: "${BS_URL:?set BS_URL to where your ecs-bootstrap binary is}"
: "${BS_SHA256:?set BS_SHA256 to the sha256 of that binary}"
bin=/usr/local/bin/ecs-bootstrap
curl -fsS --retry 5 -o "$bin.download" "$BS_URL"
echo "$BS_SHA256  $bin.download" | sha256sum -c --quiet - || { rm -f "$bin.download"; echo "bake.sh: wrong sha256" >&2; exit 1; }
chmod 0755 "$bin.download"
mv "$bin.download" "$bin"
if [ -n "${CLUSTER:-}" ]; then
	exec "$bin" bake --cluster "$CLUSTER"
fi
exec "$bin" bake
