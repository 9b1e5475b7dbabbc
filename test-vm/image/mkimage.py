#!/usr/bin/env python3
"""Build a docker-save archive by hand (no registry, no daemon), for tests.
usage: mkimage.py [--oci] [--entrypoint /agent] OUT.tar REPO:TAG FILE=PATH_IN_IMAGE...
Each FILE is put into one layer at PATH_IN_IMAGE (mode 0755).  Deterministic: mtime 0,
uid/gid 0.  --oci writes the Docker 25+ layout (blobs/sha256/..., index.json, oci-layout)
with manifest.json pointing into it; otherwise the legacy v1.2 layout.
Variants for negative tests: --no-manifest, --missing-layer, --broken-layer."""
import argparse, hashlib, io, json, tarfile

p = argparse.ArgumentParser()
p.add_argument("--oci", action="store_true")
p.add_argument("--entrypoint", default="/agent")
p.add_argument("--no-manifest", action="store_true")
p.add_argument("--missing-layer", action="store_true")
p.add_argument("--broken-layer", action="store_true", help="the layer is not a tar (Docker refuses it)")
p.add_argument("out")
p.add_argument("tag")
p.add_argument("files", nargs="+")
a = p.parse_args()


def add(t, name, data=None, mode=0o755, typ=tarfile.REGTYPE):
    ti = tarfile.TarInfo(name)
    ti.mode, ti.mtime, ti.type, ti.uid, ti.gid = mode, 0, typ, 0, 0
    if data is not None:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)


lb = io.BytesIO()
with tarfile.open(fileobj=lb, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for d in ("etc", "tmp", "data", "log"):
        add(t, d + "/", typ=tarfile.DIRTYPE)
    for spec in a.files:
        src, _, dst = spec.partition("=")
        add(t, dst.lstrip("/"), open(src, "rb").read())
layer = lb.getvalue()
if a.broken_layer:
    layer = b"this is not a tar archive\n" * 100
layer_hex = hashlib.sha256(layer).hexdigest()
config = {
    "architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
    "config": {"Entrypoint": [a.entrypoint], "Env": ["PATH=/"], "Labels": {"ecs-bootstrap-test": "1"}},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_hex]},
    "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "test-vm/image/mkimage.py"}],
}
cfg = json.dumps(config, separators=(",", ":")).encode()
cfg_hex = hashlib.sha256(cfg).hexdigest()
if a.oci:
    cfg_path, layer_path = "blobs/sha256/" + cfg_hex, "blobs/sha256/" + layer_hex
else:
    cfg_path, layer_path = cfg_hex + ".json", layer_hex + "/layer.tar"
manifest = [{"Config": cfg_path, "RepoTags": [a.tag], "Layers": [layer_path]}]
with tarfile.open(a.out, "w", format=tarfile.USTAR_FORMAT) as t:
    if a.oci:
        add(t, "blobs/", typ=tarfile.DIRTYPE)
        add(t, "blobs/sha256/", typ=tarfile.DIRTYPE)
        add(t, cfg_path, cfg, 0o644)
        if not a.missing_layer:
            add(t, layer_path, layer, 0o644)
        add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}', 0o644)
    else:
        if not a.missing_layer:
            add(t, layer_hex + "/", typ=tarfile.DIRTYPE)
            add(t, layer_path, layer, 0o644)
        add(t, cfg_path, cfg, 0o644)
        repo, _, tg = a.tag.rpartition(":")
        add(t, "repositories", json.dumps({repo: {tg: layer_hex}}).encode(), 0o644)
    if not a.no_manifest:
        add(t, "manifest.json", json.dumps(manifest).encode(), 0o644)
print("sha256:" + cfg_hex)
