#!/bin/bash
# test-vm/sandbox/docker-new.sh BIN FAULT_BIN BACKEND
# A newer Docker than Debian 12's: unstable's Docker Engine and containerd (test-vm/docker-new/
# fetch.sh, into build/docker-new or DOCKER_NEW), with the containerd image store on (the
# default of new Docker 29 installations) and the minimum API version raised to 1.44 the way
# Engine 29 enforces it (DOCKER_MIN_API_VERSION).  The real agent is installed by `run --wait`:
# the API version negotiated up to what the daemon offers, the image id Docker reports under
# the containerd store (the digest of the manifest it makes from the archive, not the config's)
# accepted because it is the verified archive's, a re-run converged, a task run by the agent.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
SBX_ENV=(AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1)
DNEW=${DOCKER_NEW:-$(cd "$HERE/../.." && pwd)/build/docker-new}
sh "$HERE/../docker-new/fetch.sh" "$DNEW" | sed 's/^/# newer Docker: /' || { echo "not ok 1 - fetch unstable's Docker"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$DNEW/etc" && echo '{"features":{"containerd-snapshotter":true}}' > "$DNEW/etc/daemon.json"
# the daemon finds its containerd (and the shim) on PATH; runc is the machine's
SBX_DOCKERD=(env "PATH=$DNEW/root/usr/bin:$DNEW/root/usr/sbin:$PATH" DOCKER_MIN_API_VERSION=1.44
	"$DNEW/root/usr/sbin/dockerd" --config-file "$DNEW/etc/daemon.json" --exec-opt native.cgroupdriver=cgroupfs)
SBX_ECS_ARGS=(--clusters new)

sbx_suite "a newer Docker (containerd image store, minimum API 1.44)" "$@"
run() { IN "$@" >"$W/out" 2>&1; echo $? >"$W/rc"; }
version() { docker_api http://d/version | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['Version'], d['ApiVersion'], d['MinAPIVersion'])"; }
echo "# dockerd: $(version)"
t "the daemon refuses API 1.41, as Engine 29 does" bash -c "nsenter -t $HOLDER -m -n curl -s --unix-socket /run/docker.sock http://d/v1.41/version | grep -q 'Minimum supported API version is 1.44'"
t "... and keeps images in containerd" bash -c "nsenter -t $HOLDER -m -n curl -s --unix-socket /run/docker.sock http://d/info | grep -q 'io.containerd.snapshotter'"

run "$BIN" run --cluster new --wait=120
registered() { rc 0 && has "registered: cluster new" || { agent_log_tail; tail -5 "$W/dockerd.log"; return 1; }; }
t "run --wait: exit 0, the real agent registered" registered
CFG_ID=$(archive_image_id "$W/s3/amazon-ecs-agent-us-east-1/ecs-agent-latest.tar")
HAVE=$(image_id_of amazon/amazon-ecs-agent:latest)
echo "# the archive's config $CFG_ID; Docker's id for latest $HAVE"
t "Docker's id is not the config's (the containerd store names the manifest)" [ -n "$HAVE" ] && [ "$HAVE" != "$CFG_ID" ]
t "... and run accepted it as the verified archive's: loaded as latest" has "loaded as amazon/amazon-ecs-agent:latest"
running_on() { [ -n "$HAVE" ] && [ "$(docker_api http://d/containers/ecs-agent/json | python3 -c 'import json,sys; print(json.load(sys.stdin)["Image"])')" = "$HAVE" ]; }
t "the agent container runs that image" running_on
run "$BIN" run --cluster new
t "a re-run: converged, nothing loaded again" bash -c "[ \$(cat $W/rc) = 0 ] && grep -q 'agent-image: \[skipped\] already converged' $W/out || { cat $W/out; false; }"
ARN=$(CLUSTER=new place bridge bridge ASIABRIDGETASK0001)
t "a bridge-mode task run by the agent gets its role's credentials (exit 0)" task_ended "$ARN" 0

# `image inspect`'s containerd-id against what this Docker reports after loading, for archives of
# other shapes: the stand-in, gzip'd, untagged (Docker keeps it by digest), with its config first
cid() { "$BIN" image inspect "$1" | sed -n 's/^containerd-id: //p' | head -1; }
d=$W/s3/amazon-ecs-agent-us-east-1
PUBLISH_TAG=example/agent:x publish_agent standin.tar --manifest-first || true
gzip -n -c "$d/standin.tar" > "$d/standin.tar.gz"
python3 "$HERE/../image/mkimage.py" "$W/untagged.tar" example/untagged:1 "$BIN=/bin" >/dev/null &&
	python3 - "$W/untagged.tar" <<-'EOF'
	import json, sys, tarfile, io
	src = tarfile.open(sys.argv[1]); members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
	out = tarfile.open(sys.argv[1] + ".new", "w")
	for m, data in members:
	    if m.name == "manifest.json":
	        man = json.loads(data); [x.pop("RepoTags", None) for x in man]; data = json.dumps(man).encode(); m.size = len(data)
	    if m.name == "repositories":
	        continue
	    out.addfile(m, io.BytesIO(data) if data is not None else None)
	out.close()
	EOF
mv "$W/untagged.tar.new" "$W/untagged.tar"
loaded_id() { # FILE: Docker's id for what it loaded (the tag, or the digest of an untagged image)
	docker_api -X POST -H 'Content-Type: application/x-tar' --data-binary @"$1" "http://d/images/load" |
		python3 -c 'import json,sys,re
for l in sys.stdin:
    s = json.loads(l).get("stream", "")
    m = re.search(r"Loaded image(?: ID)?: (\S+)", s)
    if m: print(m.group(1)); break' | while read -r ref; do image_id_of "$ref"; done
}
for f in "$d/standin.tar" "$d/standin.tar.gz" "$W/untagged.tar"; do
	same_id() { local want have; want=$(cid "$f"); have=$(loaded_id "$f"); [ -n "$want" ] && [ "$want" = "$have" ] || { echo "inspect: $want; Docker: $have"; return 1; }; }
	t "image inspect's containerd-id is Docker's id: $(basename "$f")" same_id
done
# an untagged gzip'd agent from --agent-url: tagged latest by that id
gzip -n -c "$W/untagged.tar" > "$d/untagged.tar.gz"
sign_file "$d/untagged.tar.gz"
run "$BIN" run --cluster new --agent-url https://s3.amazonaws.com/amazon-ecs-agent-us-east-1/untagged.tar.gz --no-start
untagged_ok() { rc 0 && [ "$(image_id_of amazon/amazon-ecs-agent:latest)" = "$(cid "$W/untagged.tar")" ] || { agent_log_tail; return 1; }; }
t "an untagged gzip'd archive: exit 0, latest names its containerd id" untagged_ok
t_summary
