#!/bin/bash
# test-vm/sandbox/defects.sh BIN FAULT_BIN BACKEND
# Defects found by review, each reproduced here first: fetch -o naming a device, a FIFO or
# /dev/stdout (written in place, never renamed over); another user's FILE.partial; an
# ecs.config mode that must never widen; a URL with credentials is a secret; eight
# --keyring plus ECS_BOOTSTRAP_KEYRING; --config-url over plain http; SIGTERM while `agent`
# re-applies its steps; --wait and an agent registered in another cluster; the EFS volume
# plugin capability only with the plugin.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)

sbx_suite "review defects" "$@"
run() { IN "$BIN" "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
mkdir -p "$W/s3/test-bucket"
head -c 300000 /dev/urandom > "$W/s3/test-bucket/blob.bin"
SHA=$(sha256sum "$W/s3/test-bucket/blob.bin" | cut -d' ' -f1)
URL=https://s3.us-east-1.amazonaws.com/test-bucket/blob.bin

# ---- fetch -o /dev/null and -o /dev/stdout as root, in a private /dev: the device and the
# symlink stay what they are (the old code renamed FILE.partial over them)
private_dev() {
	IN unshare --mount --propagation private bash -c "
		mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 && ln -s /proc/self/fd /dev/fd &&
			ln -s /proc/self/fd/1 /dev/stdout || exit 9
		'$BIN' fetch '$URL' -o /dev/null --sha256 $SHA > $W/devnull.out 2>&1; echo \$? > $W/devnull.rc
		'$BIN' fetch '$URL' -o /dev/stdout > $W/stdout.bin 2> $W/stdout.out; echo \$? > $W/stdout.rc
		stat -c %F /dev/null /dev/stdout; ls -A /dev | tr '\n' ' '"
}
out=$(private_dev)
t "fetch -o /dev/null: exit 0" bash -c "[ \"\$(cat $W/devnull.rc)\" = 0 ] || cat $W/devnull.out"
t "fetch -o /dev/stdout: exit 0, the shell's redirection got the object" bash -c "[ \"\$(cat $W/stdout.rc)\" = 0 ] && cmp $W/stdout.bin $W/s3/test-bucket/blob.bin"
t "... /dev/null is still a character device, /dev/stdout still a symlink, no .partial" [ "$out" = "character special file
symbolic link
fd null stdout " ]
# a FIFO: written into, not replaced
IN mkfifo /var/cache/fifo
IN timeout 30 sh -c 'cat /var/cache/fifo > /var/cache/fifo.out' & READER=$!
run fetch "$URL" -o /var/cache/fifo --sha256 "$SHA"
wait "$READER"
t "fetch -o FIFO: exit 0, the reader got the object" bash -c "[ \$(cat $W/rc) = 0 ] && cmp -s $W/varcache.upper/fifo.out $W/s3/test-bucket/blob.bin"
t "... the FIFO is still a FIFO" [ "$(IN stat -c %F /var/cache/fifo)" = fifo ]

# ---- s3:// keys taken as written, as the AWS CLI does: '#', a space, UTF-8 (the fake S3
# checks the signature of exactly what arrives, as S3 does)
S3ENV=(env AWS_ACCESS_KEY_ID=AKIDSTATICTEST0001 AWS_SECRET_ACCESS_KEY=static/secret/for/tests/only AWS_REGION=us-east-1)
for key in 'key#x' 'with space.txt' 'unicodé.txt'; do
	cp "$W/s3/test-bucket/blob.bin" "$W/s3/test-bucket/$key"
	IN "${S3ENV[@]}" "$BIN" fetch "s3://test-bucket/$key" -o /var/cache/odd.bin --sha256 "$SHA" >"$W/out" 2>&1; echo $? >"$W/rc"
	t "fetch s3://test-bucket/$key: exit 0, the object verified" rc 0
done
IN sh -c 'mkdir -p /var/cache/named'
IN sh -c "cd /var/cache/named && ${S3ENV[*]} '$BIN' fetch 's3://test-bucket/key#x' --sha256 $SHA" >"$W/out" 2>&1; echo $? >"$W/rc"
t "... without -o the file is named after the whole key ('key#x', not 'key')" bash -c "[ \$(cat $W/rc) = 0 ] && [ -f $W/varcache.upper/named/key#x ]"

# ---- another user's FILE.partial in a shared (sticky) directory: never reused
IN sh -c 'mkdir -m 1777 /var/cache/shared && printf EVIL > /var/cache/shared/blob.bin.partial && chown 65534:65534 /var/cache/shared/blob.bin.partial && chmod 666 /var/cache/shared/blob.bin.partial'
run fetch "$URL" -o /var/cache/shared/blob.bin
owner() { IN stat -c %u:%a /var/cache/shared/blob.bin; }
t "fetch beside a foreign .partial: exit 0" rc 0
t "... the result is ours (root, 644), not the other user's writable file" [ "$(owner)" = "0:644" ]
t "... and holds the object" cmp -s "$W/varcache.upper/shared/blob.bin" "$W/s3/test-bucket/blob.bin"

# ---- ecs.config: an existing 0600 file is never widened; a URL with user info is a secret
IN sh -c 'mkdir -p /etc/ecs && printf "HTTP_PROXY=http://user:pass@proxy.example:3128\n" >> /etc/ecs/ecs.config && chmod 600 /etc/ecs/ecs.config'
run run --cluster dfx
mode() { stat -c %a "$W/etc.upper/ecs/ecs.config"; }
t "ecs.config with a proxy URL holding a password, 0600: run exits 0" rc 0
t "... and leaves it 0600" [ "$(mode)" = 600 ]
IN "$BIN" config show >"$W/show" 2>&1
t "... config show masks the URL with credentials" bash -c "grep -q '^HTTP_PROXY=<masked' $W/show && ! grep -q pass@ $W/show"
IN sh -c 'sed -i /HTTP_PROXY/d /etc/ecs/ecs.config && chmod 640 /etc/ecs/ecs.config'
run run --cluster dfx
t "a 0640 ecs.config without secrets stays 0640 (never widened to 0644)" [ "$(mode)" = 640 ]
run run --cluster dfx --set HTTPS_PROXY=http://u:p@proxy.example:3128
t "a URL with user info set by --set narrows it to 0600" [ "$(mode)" = 600 ]
t "... and its value is not in the log" bash -c "! grep -q 'u:p@' $W/out"
IN sh -c 'sed -i /HTTPS_PROXY/d /etc/ecs/ecs.config'

# ---- eight --keyring plus ECS_BOOTSTRAP_KEYRING (the environment's list is replaced)
K=$AGENT_KEYRING
run run --cluster dfx --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K"
t "ECS_BOOTSTRAP_KEYRING and 8 --keyring: exit 0 (no crash)" rc 0
run run --cluster dfx --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K" --keyring "$K"
t "9 --keyring: exit 100 naming the limit" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'more than 8 --keyring' $W/out"

# ---- --config-url over plain http: refused (the fragment carries secrets)
H1=$(sbx_fs_hash)
run run --cluster dfx --config-url http://127.0.0.1:1/fragment
t "--config-url http://: exit 100" bash -c "[ \$(cat $W/rc) = 100 ] && grep -q 'want https:// or s3://' $W/out"
t "... nothing changed" [ "$(sbx_fs_hash)" = "$H1" ]

# ---- SIGTERM while `agent` re-applies its steps: no container is made
docker_api -X DELETE "http://d/containers/ecs-agent?force=1" >/dev/null
sbx_reboot
IN env BS_FAULT_POINT=step-begin:nat BS_FAULT_SIGNAL=TERM "$FBIN" agent >"$W/agent-term.out" 2>&1; rct=$?
t "SIGTERM during agent's nat step: exit 0" [ "$rct" = 0 ]
no_container() { ! grep -q 'container ecs-agent started' "$W/agent-term.out" && ! docker_api 'http://d/containers/json?all=1' | grep -q ecs-agent; }
t "... no agent container was started" no_container
t "... and it says why" grep -q 'stopped before the agent container was started' "$W/agent-term.out"
IN env BS_FAULT_POINT=agent-before-container BS_FAULT_SIGNAL=TERM "$FBIN" agent >"$W/agent-term.out" 2>&1; rct=$?
t "SIGTERM after the steps, before the container is made: exit 0" [ "$rct" = 0 ]
t "... no agent container was started" no_container

# ---- --wait and an agent registered in another cluster
use_standin "an agent registered in a cluster other than ecs.config's (the real agent never is: it refuses a saved cluster other than the configured one, and agent clears its data on a change, agent.sh)"
run run --refresh --cluster dfx --set ECS_STANDIN_CLUSTER=old-cluster --wait=60 --set ECS_STANDIN_CLUSTER=old-cluster --wait=60
t "--wait, agent registered in another cluster: exit 100, not success" rc 100
t "... naming both clusters" has "registered in cluster 'old-cluster', but ecs.config says ECS_CLUSTER=dfx"
run run --cluster dfx --set ECS_STANDIN_CLUSTER=arn:aws:ecs:us-east-1:123456789012:cluster/dfx --wait=30
t "--wait, the agent reports the cluster's ARN: registered (exit 0)" rc 0

# ---- the EFS volume plugin capability only when the plugin is there
env_of() { docker_api http://d/containers/ecs-agent/json | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)["Config"]["Env"]))'; }
t "no volume plugin: ECS_VOLUME_PLUGIN_CAPABILITIES not advertised" bash -c "! grep -q ECS_VOLUME_PLUGIN_CAPABILITIES <<<'$(env_of)'"
IN sh -c 'mkdir -p /run/docker/plugins && python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind(\"/run/docker/plugins/amazon-ecs-volume-plugin.sock\")"'
run run --cluster dfx --set ECS_RESERVED_MEMORY=48
t "with the plugin's socket: advertised" bash -c "grep -qx 'ECS_VOLUME_PLUGIN_CAPABILITIES=\[\"efsAuth\"\]' <<<'$(env_of)'"
t_summary
