#!/bin/sh
# scripts/tested-on.sh [DIR]: the README's "Tested on" table, from what the qemu guests read
# from themselves at test time (test-vm/qemu/guest.sh writes DIR/SUITE, DIR default
# build/tested-on; one KEY=VALUE per line).  Rewrites the table between the README's
# "<!-- tested-on -->" and "<!-- /tested-on -->" lines: a suite with a file gets a row from it,
# the others keep their row.  Nothing is typed in by hand; `--print` writes the table to stdout
# instead.
set -eu
cd "$(dirname "$0")/.."
print=
[ "${1:-}" = --print ] && { print=1; shift; }
DIR=${1:-build/tested-on}
[ -n "$(ls "$DIR" 2> /dev/null)" ] ||
	{ echo "tested-on.sh: nothing in $DIR (make test-vm writes it)" >&2; exit 1; }

row() { # SUITE FILE
	awk -F= -v suite="$1" '
		{ k = $1; sub(/^[^=]*=/, ""); v[k] = $0 }
		END {
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", suite, v["debian"],
				v["kernel"], v["docker"], v["containerd"], v["runc"], v["systemd"], v["cloud-init"],
				v["iptables"], v["image-store"], v["apparmor"] ", cgroup " v["cgroup"], v["date"]
		}' "$2"
}
table() {
	echo "| guest | distribution | kernel | Docker | containerd | runc | systemd | cloud-init | iptables | image store | AppArmor, cgroup | read on |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for s in bookworm trixie sid; do
		if [ -f "$DIR/$s" ]; then
			row "$s" "$DIR/$s"
		else # keep the README's row
			sed -n '/^<!-- tested-on -->$/,/^<!-- \/tested-on -->$/p' README.md | grep "^| $s |" || true
		fi
	done
}
if [ -n "$print" ]; then table; exit 0; fi
grep -qx '<!-- tested-on -->' README.md && grep -qx '<!-- /tested-on -->' README.md ||
	{ echo "tested-on.sh: README.md has no <!-- tested-on --> block" >&2; exit 1; }
t=$(mktemp)
trap 'rm -f "$t" "$t.new"' EXIT
table > "$t"
awk -v tf="$t" '
	$0 == "<!-- tested-on -->" { print; while ((getline l < tf) > 0) print l; skip = 1; next }
	$0 == "<!-- /tested-on -->" { skip = 0 }
	!skip { print }' README.md > "$t.new"
cat "$t.new" > README.md
echo "tested-on.sh: README.md's table rewritten from $DIR"
