#!/usr/bin/env python3
"""test-vm/agent/bump-version.py IN OUT OLD NEW [--tamper]: a "newer" real agent for update tests.

IN is the real agent's docker-save archive (plain or gzip'd, as shared/realagent holds it); OUT
is the same image with the version string OLD in its /agent binary replaced by NEW (same
length: the Go binary reports it on /v1/metadata and in the ACS connection's agentVersion) and
its commit hash replaced by "deadbeef", laid out as Amazon's bucket holds agents: one layer,
config.json, manifest.json tagged amazon/amazon-ecs-agent:latest (and :NEW).  The layer's
diff_id and the config are recomputed, so Docker loads it as a different image.  --tamper:
one more byte of the binary changed after that, as an attacker's copy would be (the archive is
still well formed; only its signature tells)."""
import argparse
import gzip
import hashlib
import io
import json
import tarfile


def members(tar):
    return [(m, tar.extractfile(m).read() if m.isfile() else None) for m in tar.getmembers()]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("inp")
    p.add_argument("out")
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--tamper", action="store_true")
    a = p.parse_args()
    if len(a.old) != len(a.new):
        p.error("OLD and NEW must have the same length")
    raw = open(a.inp, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    outer = tarfile.open(fileobj=io.BytesIO(raw))
    manifest = json.load(outer.extractfile("manifest.json"))[0]
    config = json.load(outer.extractfile(manifest["Config"]))
    layer = tarfile.open(fileobj=io.BytesIO(outer.extractfile(manifest["Layers"][0]).read()))
    buf = io.BytesIO()
    new_layer = tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT)
    found = 0
    for m, data in members(layer):
        if data is not None and m.name.lstrip("./") == "agent":
            found = data.count(a.old.encode())
            data = data.replace(a.old.encode(), a.new.encode())
            data = data.replace(b"(*a8b3e7d3)", b"(*deadbeef)").replace(b"a8b3e7d3", b"deadbeef")
            if a.tamper:
                i = data.rfind(b"Amazon ECS Agent")
                data = data[:i] + b"X" + data[i + 1:]
        new_layer.addfile(m, io.BytesIO(data) if data is not None else None)
    new_layer.close()
    if not found:
        raise SystemExit("bump-version.py: %r not found in /agent" % a.old)
    layer_bytes = buf.getvalue()
    config["rootfs"]["diff_ids"] = ["sha256:" + hashlib.sha256(layer_bytes).hexdigest()]
    config["created"] = "2026-01-01T00:00:00Z"
    config_bytes = json.dumps(config, separators=(",", ":")).encode()
    out = tarfile.open(a.out, mode="w", format=tarfile.GNU_FORMAT)

    def add(name, data):
        ti = tarfile.TarInfo(name)
        ti.size, ti.mtime, ti.mode = len(data), 1492525740, 0o644
        out.addfile(ti, io.BytesIO(data))
    add("rootfs/layer.tar", layer_bytes)
    add("config.json", config_bytes)
    add("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": [
        "amazon/amazon-ecs-agent:latest", "amazon/amazon-ecs-agent:" + a.new], "Layers": ["rootfs/layer.tar"]}]).encode())
    add("repositories", json.dumps({"amazon/amazon-ecs-agent": {"latest": "rootfs", a.new: "rootfs"}}).encode())
    out.close()
    print("sha256:" + hashlib.sha256(config_bytes).hexdigest())


if __name__ == "__main__":
    main()
