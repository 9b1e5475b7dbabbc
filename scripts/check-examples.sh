#!/bin/sh
# scripts/check-examples.sh BIN: the documentation agrees with the code.
#   - docs/examples/cloud-config.yaml and README.md embed docs/examples/user-data.sh byte for byte;
#   - docs/examples/terraform/main.tf builds its user data as test-vm/qemu/mkseed.py does
#     (shebang, exported parameters, the file), so the qemu test boots what Terraform sends;
#   - the Packer template runs packer/bake.sh (which test-vm/sandbox/bake.sh runs);
#   - every option and command in `BIN --help` is in the man page docs/ecs-bootstrap.8.
# Prints "N passed, N failed".
set -u
BIN=${1:?usage: check-examples.sh BIN}
cd "$(dirname "$0")/.." || exit 1
ex=docs/examples
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1"; }

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
sed -n '/^    content: |$/,/^runcmd:$/p' "$ex/cloud-config.yaml" | sed '1d;$d' | sed 's/^      //' > "$tmp"
if cmp -s "$tmp" "$ex/user-data.sh"; then ok "cloud-config.yaml embeds user-data.sh unchanged"
else bad "cloud-config.yaml embeds user-data.sh unchanged"; diff "$ex/user-data.sh" "$tmp" | head -10; fi

sed -n '/^The instance.s user data/,/^```$/p' README.md | sed '1,/^```sh$/d;$d' > "$tmp"
if cmp -s "$tmp" "$ex/user-data.sh"; then ok "README.md opens with user-data.sh unchanged"
else bad "README.md opens with user-data.sh unchanged"; diff "$ex/user-data.sh" "$tmp" | head -10; fi

if grep -qF 'file("${path.module}/../user-data.sh")' "$ex/terraform/main.tf" &&
	grep -qF '"#!/bin/sh\n",' "$ex/terraform/main.tf" &&
	grep -qF "\"export BS_URL='\${var.bs_url}' BS_SHA256='\${var.bs_sha256}' BS_SHA256_ARM64='\${var.bs_sha256_arm64}' CLUSTER='\${var.cluster}'\\n\"," "$ex/terraform/main.tf" &&
	grep -qF "\"#!/bin/sh\\n\" + params + body" test-vm/qemu/mkseed.py &&
	grep -qF "params = \"export BS_URL='%s' BS_SHA256='%s' BS_SHA256_ARM64='%s' CLUSTER='%s'" test-vm/qemu/mkseed.py
then ok "terraform/main.tf and mkseed.py build the user data the same way"
else bad "terraform/main.tf and mkseed.py build the user data the same way"; fi

if grep -qF 'script           = "${path.root}/bake.sh"' "$ex/packer/ecs-ami.pkr.hcl" && grep -q 'docs/examples/packer/bake.sh' test-vm/sandbox/bake.sh
then ok "the Packer template runs packer/bake.sh, which the sandbox bake suite runs"
else bad "the Packer template runs packer/bake.sh, which the sandbox bake suite runs"; fi

missing=""
sed 's/\\-/-/g; s/\\f[BIR]//g' docs/ecs-bootstrap.8 > "$tmp"
for w in $("$BIN" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u) \
	$("$BIN" --help | sed -n 's/^  ecs-bootstrap \([a-z]*\).*/\1/p' | sort -u); do
	grep -qF -- "$w" "$tmp" || missing="$missing $w"
done
if [ -z "$missing" ]; then ok "the man page names every option and command of --help"
else bad "the man page names every option and command of --help (missing:$missing)"; fi

# exit 42: the update is loaded (when it verifies) since agent_image_update; no document may
# still say that loading it is not implemented
"$BIN" --help > "$tmp.help"
claims=$(python3 - README.md docs/*.md docs/ecs-bootstrap.8 "$tmp.help" src/cmd_agent.c <<'PY'
import re, sys
for path in sys.argv[1:]:
    text = re.sub(r"\\f[BIRP]|\\-|^\.[A-Z]+ ?|[*`]", "", open(path).read(), flags=re.M)
    for sentence in re.split(r"(?<=[.;])\s", " ".join(text.split())):
        if re.search(r"\b42\b", sentence) and "not implemented" in sentence:
            print("%s: %s" % (path, sentence[:160]))
PY
)
rm -f "$tmp.help"
if [ -z "$claims" ]; then ok "no document says that loading the agent's update (exit 42) is not implemented"
else bad "no document says that loading the agent's update (exit 42) is not implemented"; echo "$claims" | sed 's/^/#   /'; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
