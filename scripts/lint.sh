#!/bin/sh
# House rules, cppcheck and clang-tidy over src/.  Exit 1 on any finding.
set -u
cd "$(dirname "$0")/.."
fail=0
bad() { echo "lint: $*"; fail=1; }
srcs=$(find src -name '*.c' -o -name '*.h' | sort)
code=$(echo "$srcs" | grep -v '^src/tests/' | grep -v '^src/fuzz/')

# 1. forbidden functions (systemd "functions to avoid", skarnet): no shell, no unbounded copies
for f in $code; do
	grep -nE '\b(system|popen|strcpy|strcat|sprintf|vsprintf|atoi|atol|gets|strtok)[[:space:]]*\(' "$f" |
		grep -vE '^[0-9]+:[[:space:]]*(\*|/\*)' | while IFS= read -r l; do echo "lint: $f:$l: forbidden function"; done
done | grep . && fail=1
# 2. every open()/openat()/pipe()/socket() asks for close-on-exec
for f in $code; do
	grep -nE '\b(open|openat)\(' "$f" | grep -v 'O_CLOEXEC' | grep -vE '^[0-9]+:[[:space:]]*(\*|/\*)' | while IFS= read -r l; do echo "lint: $f:$l: open without O_CLOEXEC"; done
	grep -nE '\b(pipe|accept)\(' "$f" | while IFS= read -r l; do echo "lint: $f:$l: use pipe2/accept4"; done
	grep -nE '\bsocket\(' "$f" | grep -v SOCK_CLOEXEC | while IFS= read -r l; do echo "lint: $f:$l: socket without SOCK_CLOEXEC"; done
done | grep . && fail=1
# 3. compile-time features are #if BS_X, never #ifdef BS_X; no // comments in committed code
grep -nE '#[[:space:]]*if(n)?def[[:space:]]+BS_' $srcs | grep -v '#ifndef BS_[A-Z0-9_]*_H$' |
	grep -v 'ifndef BS_\(VERSION\|COMMIT\|BEARSSL_VERSION\|FAULT_INJECTION\|TLS_MBEDTLS\)$' && fail=1
grep -nE '(^|[^:])//' $srcs | grep -vE '"[^"]*//[^"]*"' && { bad "// comments above"; }
# 4. fault injection only through fault.h's macros
grep -n 'fault_point(' $code | grep -v '^src/lib/fault\.[ch]:' && bad "fault_point() called directly"
# 5. every step file is in the table
for f in src/step_*.c; do
	n=$(basename "$f" .c); n=${n#step_}; n=$(echo "$n" | tr _ -)
	grep -q "{ \"$n\"" src/steps.c || bad "$f: step '$n' is not in the table in src/steps.c"
done
# 6. a path a comment cites (dir/file.c, .h, .sh, .py, .md) exists in the repository
cite='[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]*[A-Za-z0-9_-][.](c|h|sh|py|md)([^A-Za-z0-9_]|$)'
for f in $code; do
	grep -nE "$cite" "$f" | grep -vE '^[0-9]+:[[:space:]]*#[[:space:]]*include' | while IFS= read -r line; do
		for p in $(printf '%s\n' "${line#*:}" | grep -oE "$cite" | sed -E 's/[^A-Za-z0-9_]$//'); do
			case $p in /* | *//*) continue ;; esac
			[ -e "$p" ] || [ -e "src/$p" ] || [ -e "$(dirname "$f")/$p" ] || [ -e "/usr/include/$p" ] ||
				echo "lint: $f:${line%%:*}: cites '$p', which is not in the repository"
		done
	done
done | grep . && fail=1
# 7. library code reads no environment variable: src/cli.c does, and passes what it read in
grep -nE '\b(getenv|secure_getenv|environ)\b' src/lib/*.c | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*)' |
	while IFS= read -r l; do echo "lint: $l: library code reads the environment (pass it in)"; done | grep . && fail=1
# 8. cppcheck and clang-tidy
if command -v cppcheck >/dev/null; then
	cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
		--suppress=missingIncludeSystem --inline-suppr -D_GNU_SOURCE -DBS_FAULT_INJECTION=1 \
		-Isrc $code 2>&1 | grep . && fail=1
fi
if command -v clang-tidy >/dev/null; then
	inc="-Isrc -isystem third_party/cache/bearssl/inc -isystem third_party/cache/zlib -isystem third_party/cache/jsmn -isystem third_party/cache/mbedtls/include -Ibuild/gen"
	checks='-*,bugprone-*,cert-err33-c,clang-analyzer-*,-bugprone-easily-swappable-parameters,-bugprone-narrowing-conversions,-bugprone-reserved-identifier,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-bugprone-assignment-in-if-condition,-cert-err33-c,-bugprone-branch-clone'
	# One file per process, as many at once as there are CPUs.  A file found clean is not checked
	# again until it, a project header it includes (as the preprocessor lists them) or the
	# checks change: its key, a hash of those, is kept in build/lint-ok/ (LINT_FRESH=1 checks
	# every file).  Editing one header re-checks the files that include it, not all.
	cache=build/lint-ok
	[ "${LINT_FRESH:-}" = 1 ] && rm -rf "$cache"
	mkdir -p "$cache"
	conf=$(echo "$checks $inc" | sha256sum | cut -c1-64)
	# shellcheck disable=SC2016,SC2086
	echo "$code" | grep '\.c$' | xargs -P "$(nproc)" -I{} sh -c '
		deps=$(cc -MM -std=c11 -D_GNU_SOURCE $3 "$2" 2>/dev/null | tr " \\\\" "\n\n" | grep "^src/.*\.h$" | sort -u)
		key=$(cat "$2" $deps | sha256sum | cut -c1-64)-$4
		ok="$5/$(echo "$2" | tr / _).$key"
		[ -e "$ok" ] && exit 0
		out=$(clang-tidy --quiet -checks="$1" --warnings-as-errors="*" "$2" -- -std=c11 -D_GNU_SOURCE $3 2>&1 | grep -E "warning:|error:")
		if [ -n "$out" ]; then printf "%s\n" "$out"; else rm -f "$5/$(echo "$2" | tr / _)".*; : > "$ok"; fi' - "$checks" {} "$inc" "$conf" "$cache" | grep . && fail=1
fi
[ "$fail" = 0 ] && echo "lint: clean"
exit "$fail"
