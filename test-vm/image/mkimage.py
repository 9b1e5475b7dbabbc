#!/usr/bin/env python3
"""Build a docker-save archive by hand (no registry, no daemon), for tests.
usage: mkimage.py [--oci] [--entrypoint /agent] OUT.tar REPO:TAG FILE=PATH_IN_IMAGE...
Each FILE is put into one layer at PATH_IN_IMAGE (mode 0755).  Deterministic: mtime 0,
uid/gid 0.  --oci writes the Docker 25+ layout (blobs/sha256/..., index.json, oci-layout)
with manifest.json pointing into it; otherwise the legacy v1.2 layout.
Variants for negative tests: --no-manifest, --missing-layer, --broken-layer, --bogus-size.
Layout variants: --config-name NAME (the config stored under a name that is not its digest),
--manifest-first (manifest.json before the blobs), --config-pad N (N more bytes in the config),
--image REPO:TAG (repeatable: one more image in the same archive, with its own config and the
same layer).  Prints the image id of each image, one a line, in manifest order."""
import argparse, hashlib, io, json, tarfile

p = argparse.ArgumentParser()
p.add_argument("--oci", action="store_true")
p.add_argument("--entrypoint", default="/agent")
p.add_argument("--no-manifest", action="store_true")
p.add_argument("--missing-layer", action="store_true")
p.add_argument("--broken-layer", action="store_true", help="the layer is not a tar (Docker refuses it)")
p.add_argument("--bogus-size", action="store_true", help="an entry whose base-256 size is 2^63-1, no data")
p.add_argument("--config-name", help="store the (first) config under this name")
p.add_argument("--manifest-first", action="store_true")
p.add_argument("--config-pad", type=int, default=0)
p.add_argument("--image", action="append", default=[], help="one more image, tagged REPO:TAG")
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


def make_config(label, pad=0):
    config = {
        "architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
        "config": {"Entrypoint": [a.entrypoint], "Env": ["PATH=/"], "Labels": {"ecs-bootstrap-test": label}},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer_hex]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "test-vm/image/mkimage.py"}],
    }
    if pad:
        config["config"]["Labels"]["pad"] = "x" * pad
    return json.dumps(config, separators=(",", ":")).encode()


layer_path = "blobs/sha256/" + layer_hex if a.oci else layer_hex + "/layer.tar"
configs = []  # (path in the archive, bytes)
manifest = []
for i, tag in enumerate([a.tag] + a.image):
    cfg = make_config("1" if i == 0 else tag, a.config_pad if i == 0 else 0)
    name = a.config_name if i == 0 and a.config_name else hashlib.sha256(cfg).hexdigest()
    cfg_path = "blobs/sha256/" + name if a.oci else (name if i == 0 and a.config_name else name + ".json")
    configs.append((cfg_path, cfg))
    manifest.append({"Config": cfg_path, "RepoTags": [tag], "Layers": [layer_path]})


def bogus(t):
    """A ustar header whose size field is base-256 2^63-1 (no data follows)."""
    ti = tarfile.TarInfo("bogus")
    ti.mtime, ti.uid, ti.gid = 0, 0, 0
    h = bytearray(ti.tobuf(format=tarfile.USTAR_FORMAT))
    h[124:136] = bytes([0x80, 0, 0, 0]) + (2**63 - 1).to_bytes(8, "big")
    h[148:156] = b" " * 8
    h[148:156] = ("%06o" % sum(h)).encode() + b"\0 "
    t.fileobj.write(bytes(h))
    t.offset += len(h)


def add_manifest(t):
    if not a.no_manifest:
        add(t, "manifest.json", json.dumps(manifest).encode(), 0o644)


with tarfile.open(a.out, "w", format=tarfile.USTAR_FORMAT) as t:
    if a.manifest_first:
        add_manifest(t)
    if a.oci:
        add(t, "blobs/", typ=tarfile.DIRTYPE)
        add(t, "blobs/sha256/", typ=tarfile.DIRTYPE)
        for path, cfg in configs:
            add(t, path, cfg, 0o644)
        if not a.missing_layer:
            add(t, layer_path, layer, 0o644)
        add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}', 0o644)
    else:
        if not a.missing_layer:
            add(t, layer_hex + "/", typ=tarfile.DIRTYPE)
            add(t, layer_path, layer, 0o644)
        for path, cfg in configs:
            add(t, path, cfg, 0o644)
        repo, _, tg = a.tag.rpartition(":")
        add(t, "repositories", json.dumps({repo: {tg: layer_hex}}).encode(), 0o644)
    if a.bogus_size:
        bogus(t)
    if not a.manifest_first:
        add_manifest(t)
for path, cfg in configs:
    print("sha256:" + hashlib.sha256(cfg).hexdigest())
