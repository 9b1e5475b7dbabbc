# ecs-bootstrap: plain GNU make.
#   make            the static release binary build/ecs-bootstrap (musl, stripped)
#   make test       the edit-compile-test loop, without root: unit tests (ASan/UBSan, TSan),
#                   fuzz corpus replay, the command tests (real gpg, docker-save archives,
#                   the examples against the code) and lint
#   make check      everything: deps (apt, as root), build, unit tests and fuzz corpus
#                   replay under ASan/UBSan, lint, namespace sandbox (nft and legacy),
#                   the arm64 build under qemu-aarch64, the qemu guests booted from the
#                   production user data
#   make arm64      build/ecs-bootstrap-arm64: the static aarch64 binary (cross-compiled)
#   make demo       the main job end to end in a qemu guest (systemd, cloud-init, Docker)
#   make demo-sandbox  the same in seconds in a namespace sandbox
#   make TLS=mbedtls  build/ecs-bootstrap-mbedtls: mbedtls instead of BearSSL for TLS
#   make release    build/release/: the binary, a tarball and their sha256 (reproducible)
#   make install    the binary and the man page under $(DESTDIR)$(PREFIX)
#   make asan       glibc + clang build with ASan/UBSan (binary and unit tests)
#   make fuzz       libFuzzer on every parser, FUZZ_SECONDS each (default 60)
#   make lint       scripts/lint.sh (house rules), cppcheck, clang-tidy
#   make clean | distclean (distclean also drops the fetched third-party sources)
.DELETE_ON_ERROR:
.SUFFIXES:
.SECONDARY:

VERSION := 0.1.0
COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
BEARSSL_VERSION := 0.6
TP := third_party/cache
B := build

# TLS backend: bearssl (default) or mbedtls (make TLS=mbedtls: build/ecs-bootstrap-mbedtls)
TLS ?= bearssl
SRC := $(filter-out src/lib/tls_mbedtls.c,$(sort $(wildcard src/*.c src/lib/*.c)))
MBED_SRC := $(filter-out src/lib/tls_bearssl.c,$(SRC)) src/lib/tls_mbedtls.c
SRC_NOMAIN := $(filter-out src/main.c,$(SRC))
TESTS := $(patsubst src/tests/%.c,%,$(sort $(wildcard src/tests/test_*.c)))
FUZZERS := $(patsubst src/fuzz/%.c,%,$(sort $(wildcard src/fuzz/fuzz_*.c)))

WARN := -Wall -Wextra -Werror -Wundef -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(WARN) -Isrc -isystem $(TP)/bearssl/inc -isystem $(TP)/zlib -isystem $(TP)/jsmn -I$(B)/gen \
	-DBS_VERSION='"$(VERSION)"' -DBS_COMMIT='"$(COMMIT)"' -DBS_BEARSSL_VERSION='"$(BEARSSL_VERSION)"' \
	-DBS_HAVE_ZLIB=1 -MMD -MP

# Release: musl, fully static, hardened.  No unwind tables (.eh_frame, 34 KB of the binary): C
# without exceptions or backtraces does not read them; debuggers use the .debug file's DWARF.
NO_UNWIND := -fno-asynchronous-unwind-tables -fno-unwind-tables
MUSLCC := musl-gcc
MUSL_CFLAGS := $(BASE_CFLAGS) -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fno-plt -ffile-prefix-map=$(CURDIR)/= $(NO_UNWIND)
MUSL_LDFLAGS := -static -pthread -Wl,-z,relro,-z,now -Wl,--gc-sections
# The third-party libraries of the release binaries (third_party/build.mk): BearSSL's cold code at -Os
REL_TP := TPCFLAGS="-O2 -ffunction-sections -fdata-sections -ffile-prefix-map=$(CURDIR)/= $(NO_UNWIND)" TPCOLD=-Os
# Sanitizers: glibc + clang (ASan cannot link statically with musl).
CLANG := clang
ASAN_FLAGS := -pthread -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_CFLAGS := $(BASE_CFLAGS) -O1 -g $(ASAN_FLAGS) -DBS_FAULT_INJECTION=1
# BearSSL reads little-endian words through unaligned pointers on x86 (its BR_LE_UNALIGNED), which
# UBSan rightly reports (Poly1305, once a server picks ChaCha20): the sanitizer builds take its
# byte-wise path instead; the release keeps BearSSL's choice.
TP_UBSAN := -DBR_LE_UNALIGNED=0

.PHONY: arm64 test-arm64 check-builds
.PHONY: all test build-tools static fault mbedtls test-mbedtls asan check test-unit test-tools test-sandbox-asan fuzz-replay fuzz lint test-sandbox test-vm test-release test-valgrind demo demo-sandbox deps clean distclean tp release install
ifeq ($(TLS),mbedtls)
all: mbedtls
else ifeq ($(TLS),bearssl)
all: static
else
$(error TLS=$(TLS): bearssl (the default) or mbedtls)
endif
static: build-tools $(B)/ecs-bootstrap
mbedtls: build-tools $(B)/ecs-bootstrap-mbedtls
fault: build-tools $(B)/ecs-bootstrap-fault
# `make` alone on a machine without the compiler: say what to install, and how
build-tools:
	@command -v $(MUSLCC) >/dev/null 2>&1 || { echo "make: $(MUSLCC) not found: install musl-tools (Debian, as root: apt-get install musl-tools), or run \`make deps\` as root (everything \`make check\` needs)" >&2; exit 1; }

# ---- third-party sources (pinned, checksummed; see third_party/README.md)
$(TP)/.fetched: third_party/lock.txt third_party/fetch.sh
	sh third_party/fetch.sh $(TP) bearssl zlib jsmn
	touch $@
tp: $(TP)/.fetched

$(B)/musl/tp/libbearssl.a $(B)/musl/tp/libz.a &: $(TP)/.fetched third_party/build.mk
	$(MAKE) -f third_party/build.mk TP=$(TP) OUT=$(B)/musl/tp CC=$(MUSLCC) $(REL_TP)
$(B)/asan/tp/libbearssl.a $(B)/asan/tp/libz.a &: $(TP)/.fetched third_party/build.mk
	$(MAKE) -f third_party/build.mk TP=$(TP) OUT=$(B)/asan/tp CC=$(CLANG) TPCFLAGS="-O1 -g $(ASAN_FLAGS) $(TP_UBSAN)"

MUSL_LIBS := $(B)/musl/tp/libbearssl.a $(B)/musl/tp/libz.a
ASAN_LIBS := $(B)/asan/tp/libbearssl.a $(B)/asan/tp/libz.a

# ---- generated headers: embedded trust anchors (from the system's ca-certificates) and
# BearSSL error names (from the pinned headers).  Never committed.
CA_DIR ?= /usr/share/ca-certificates/mozilla
TA_CERTS := $(CA_DIR)/Amazon_Root_CA_1.crt $(CA_DIR)/Amazon_Root_CA_2.crt $(CA_DIR)/Amazon_Root_CA_3.crt \
	$(CA_DIR)/Amazon_Root_CA_4.crt $(CA_DIR)/Starfield_Services_Root_Certificate_Authority_-_G2.crt
GEN := $(B)/gen/trust_anchors.h $(B)/gen/br_errors.h $(B)/gen/ecs_key.h
$(B)/gen/ecs_key.h: scripts/gen-embed.sh src/keys/amazon-ecs-agent.gpg.asc
	@mkdir -p $(dir $@)
	sh scripts/gen-embed.sh $@ ecs_key_asc src/keys/amazon-ecs-agent.gpg.asc
$(B)/gen/trust_anchors.h: scripts/gen-trust-anchors.sh
	@mkdir -p $(dir $@)
	sh scripts/gen-trust-anchors.sh $@ $(TA_CERTS)
$(B)/gen/br_errors.h: scripts/gen-br-errors.sh $(TP)/.fetched
	@mkdir -p $(dir $@)
	sh scripts/gen-br-errors.sh $@ $(TP)/bearssl/inc/bearssl_ssl.h $(TP)/bearssl/inc/bearssl_x509.h

# ---- release binary
# Optimised for size (-Os, a tenth smaller), but for the loops a byte of input goes through:
# the hashes here (BearSSL's ciphers and zlib keep -O2 in third_party/build.mk).
HOT_SRC := src/lib/sha256.c src/lib/sha512.c src/lib/chacha20.c
OPT = $(if $(filter $(HOT_SRC),$<),-O2,-Os)
$(B)/musl/obj/%.o: src/%.c $(TP)/.fetched | $(GEN)
	@mkdir -p $(dir $@)
	$(MUSLCC) $(MUSL_CFLAGS) $(OPT) -ffunction-sections -fdata-sections -c $< -o $@
$(B)/ecs-bootstrap.debug: $(patsubst src/%.c,$(B)/musl/obj/%.o,$(SRC)) $(MUSL_LIBS)
	$(MUSLCC) $(MUSL_LDFLAGS) -o $@ $^
$(B)/ecs-bootstrap: $(B)/ecs-bootstrap.debug
	strip -o $@ $<

# ---- the alternate TLS backend: the same program with tls_mbedtls.c for tls_bearssl.c
# (BearSSL still does the hashing and RSA of OpenPGP and SigV4).  mbedtls is fetched on demand.
$(TP)/.fetched-mbedtls: third_party/lock.txt third_party/fetch.sh
	sh third_party/fetch.sh $(TP) mbedtls
	touch $@
$(B)/musl/tp/libmbedtls.a: $(TP)/.fetched-mbedtls third_party/build.mk
	$(MAKE) -f third_party/build.mk TP=$(TP) OUT=$(B)/musl/tp CC=$(MUSLCC) $(REL_TP) $@
$(B)/mbed/obj/%.o: src/%.c $(TP)/.fetched $(TP)/.fetched-mbedtls | $(GEN)
	@mkdir -p $(dir $@)
	$(MUSLCC) $(MUSL_CFLAGS) -DBS_TLS_MBEDTLS=1 -isystem $(TP)/mbedtls/include -ffunction-sections -fdata-sections -c $< -o $@
$(B)/ecs-bootstrap-mbedtls.debug: $(patsubst src/%.c,$(B)/mbed/obj/%.o,$(MBED_SRC)) $(B)/musl/tp/libmbedtls.a $(MUSL_LIBS)
	$(MUSLCC) $(MUSL_LDFLAGS) -o $@ $^
$(B)/ecs-bootstrap-mbedtls: $(B)/ecs-bootstrap-mbedtls.debug
	strip -o $@ $<

# ---- aarch64 (Graviton): the same sources, cross-compiled (Debian's gcc-aarch64-linux-gnu)
# against musl built here from its pinned source (Debian's musl-dev is the machine's own
# architecture's), fully static like the x86-64 binary: $(B)/ecs-bootstrap-arm64.  Its unit
# tests and command tests run under qemu user-mode emulation (make test-arm64).
A64 := $(B)/arm64
A64_CROSS := aarch64-linux-gnu-
A64_CC := $(A64)/musl/bin/musl-gcc
A64_CFLAGS := $(filter-out -fno-plt,$(MUSL_CFLAGS))
$(TP)/.fetched-musl: third_party/lock.txt third_party/fetch.sh
	sh third_party/fetch.sh $(TP) musl
	touch $@
$(A64)/musl/.built: $(TP)/.fetched-musl
	@command -v $(A64_CROSS)gcc >/dev/null 2>&1 || { echo "make: $(A64_CROSS)gcc not found: install gcc-aarch64-linux-gnu (Debian), or run \`make deps\` as root" >&2; exit 1; }
	rm -rf $(A64)/musl $(A64)/musl-build && mkdir -p $(A64)/musl-build
	cd $(A64)/musl-build && $(CURDIR)/$(TP)/musl/configure --target=aarch64-linux-gnu CROSS_COMPILE=$(A64_CROSS) \
		--prefix=$(CURDIR)/$(A64)/musl --disable-shared --enable-wrapper=gcc > configure.log
	$(MAKE) -C $(A64)/musl-build install > $(A64)/musl-build/make.log
	touch $@
A64_LIBS := $(A64)/tp/libbearssl.a $(A64)/tp/libz.a
$(A64_LIBS) &: $(TP)/.fetched third_party/build.mk $(A64)/musl/.built
	$(MAKE) -f third_party/build.mk TP=$(TP) OUT=$(A64)/tp CC=$(CURDIR)/$(A64_CC) AR=$(A64_CROSS)ar \
		$(REL_TP)
$(A64)/obj/%.o: src/%.c $(TP)/.fetched $(A64)/musl/.built | $(GEN)
	@mkdir -p $(dir $@)
	$(A64_CC) $(A64_CFLAGS) $(OPT) -ffunction-sections -fdata-sections -c $< -o $@
$(B)/ecs-bootstrap-arm64.debug: $(patsubst src/%.c,$(A64)/obj/%.o,$(SRC)) $(A64_LIBS)
	$(A64_CC) $(MUSL_LDFLAGS) -o $@ $^
$(B)/ecs-bootstrap-arm64: $(B)/ecs-bootstrap-arm64.debug
	$(A64_CROSS)strip -o $@ $<
# the tests' own buffers are sized for their vectors (as in the valgrind build)
$(A64)/obj/tests/%.o: A64_CFLAGS += -Wno-format-truncation
$(A64)/tests/%: $(A64)/obj/tests/%.o $(patsubst src/%.c,$(A64)/obj/%.o,$(SRC_NOMAIN)) $(A64_LIBS)
	@mkdir -p $(dir $@)
	$(A64_CC) -static -pthread -o $@ $^
arm64: $(B)/ecs-bootstrap-arm64
# The arm64 binary under qemu-aarch64 (user mode): every unit test, the command tests (verify
# with real gpg, image inspect, fetch), and the sandbox's foundation suite.
test-arm64: $(B)/ecs-bootstrap-arm64 $(addprefix $(A64)/tests/,$(TESTS)) $(B)/ecs-bootstrap-fault $(B)/standin-agent
	bash test-vm/arm64/run.sh $(CURDIR)/$(B)/ecs-bootstrap-arm64 $(CURDIR)/$(A64)/tests $(CURDIR)/$(B)/ecs-bootstrap-fault

# ---- release: build/release/ecs-bootstrap (the file to upload), a tarball with the man page,
# README and examples, and SHA256SUMS.  Reproducible: the same commit gives the same bytes in
# any directory at any time (SOURCE_DATE_EPOCH, default the commit's time, dates the tarball;
# scripts/repro-check.sh builds twice and compares).
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
REL := $(B)/release
# Both architectures: ecs-bootstrap (x86-64, built by this machine's musl-gcc) and
# ecs-bootstrap-arm64 (aarch64, cross-compiled), and a tarball of each with the man page,
# README and examples.
rel_tar = rm -rf $(REL)/$(2) && mkdir -p $(REL)/$(2)/examples && \
	cp $(1) $(REL)/$(2)/ecs-bootstrap && cp docs/ecs-bootstrap.8 README.md $(REL)/$(2)/ && \
	cp -r docs/examples/. $(REL)/$(2)/examples/ && \
	tar --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 --numeric-owner --mode=go-w \
		--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
		-C $(REL) -cf - $(2) | gzip -n -9 > $(REL)/$(2).tar.gz && rm -rf $(REL)/$(2)
release: $(B)/ecs-bootstrap $(B)/ecs-bootstrap-arm64
	rm -rf $(REL) && mkdir -p $(REL)
	cp $(B)/ecs-bootstrap $(B)/ecs-bootstrap-arm64 $(REL)/
	$(call rel_tar,$(B)/ecs-bootstrap,ecs-bootstrap-$(VERSION)-linux-amd64)
	$(call rel_tar,$(B)/ecs-bootstrap-arm64,ecs-bootstrap-$(VERSION)-linux-arm64)
	cd $(REL) && sha256sum ecs-bootstrap ecs-bootstrap-arm64 ecs-bootstrap-$(VERSION)-linux-amd64.tar.gz \
		ecs-bootstrap-$(VERSION)-linux-arm64.tar.gz > SHA256SUMS && cat SHA256SUMS

PREFIX ?= /usr/local
install: $(B)/ecs-bootstrap
	install -D -m 0755 $(B)/ecs-bootstrap $(DESTDIR)$(PREFIX)/bin/ecs-bootstrap
	install -D -m 0644 docs/ecs-bootstrap.8 $(DESTDIR)$(PREFIX)/share/man/man8/ecs-bootstrap.8

# ---- the qemu guest's per-connection relay (a test artefact)
$(B)/vm-relay: test-vm/qemu/relay.c
	@mkdir -p $(dir $@)
	$(MUSLCC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o $@ $<

# ---- the stand-in agent for the sandbox (a test artefact: static, musl)
$(B)/standin-agent: test-vm/agent/standin.c
	@mkdir -p $(dir $@)
	$(MUSLCC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o $@ $<

# ---- the program of the real agent's test tasks (realagent.sh; a test artefact: static, musl)
$(B)/task-probe: test-vm/agent/task-probe.c
	@mkdir -p $(dir $@)
	$(MUSLCC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o $@ $<

# ---- test build of the static binary with crash points (test-vm only, never shipped)
$(B)/fault/obj/%.o: src/%.c $(TP)/.fetched | $(GEN)
	@mkdir -p $(dir $@)
	$(MUSLCC) $(MUSL_CFLAGS) -DBS_FAULT_INJECTION=1 -c $< -o $@
$(B)/ecs-bootstrap-fault: $(patsubst src/%.c,$(B)/fault/obj/%.o,$(SRC)) $(MUSL_LIBS)
	$(MUSLCC) $(MUSL_LDFLAGS) -o $@ $^

# ---- glibc + ASan/UBSan: binary, unit tests, fuzz replay
$(B)/asan/obj/%.o: src/%.c $(TP)/.fetched | $(GEN)
	@mkdir -p $(dir $@)
	$(CLANG) $(ASAN_CFLAGS) -c $< -o $@
ASAN_CORE := $(patsubst src/%.c,$(B)/asan/obj/%.o,$(SRC_NOMAIN))
$(B)/asan/ecs-bootstrap: $(B)/asan/obj/main.o $(ASAN_CORE) $(ASAN_LIBS)
	$(CLANG) $(ASAN_FLAGS) -o $@ $^
$(B)/asan/tests/%: $(B)/asan/obj/tests/%.o $(ASAN_CORE) $(ASAN_LIBS)
	@mkdir -p $(dir $@)
	$(CLANG) $(ASAN_FLAGS) -o $@ $^
$(B)/asan/replay/%: $(B)/asan/obj/fuzz/%.o $(B)/asan/obj/fuzz/replay_main.o $(ASAN_CORE) $(ASAN_LIBS)
	@mkdir -p $(dir $@)
	$(CLANG) $(ASAN_FLAGS) -o $@ $^
$(B)/asan/obj/fuzz/replay_main.o: src/fuzz/replay_main.c
	@mkdir -p $(dir $@)
	$(CLANG) $(ASAN_CFLAGS) -c $< -o $@
asan: $(B)/asan/ecs-bootstrap $(addprefix $(B)/asan/tests/,$(TESTS))

test-unit: $(addprefix $(B)/asan/tests/,$(TESTS)) $(B)/ecs-bootstrap $(B)/tsan/test_bgpipe
	BS_BIN=$(CURDIR)/$(B)/ecs-bootstrap \
		sh scripts/run-tests.sh $(addprefix $(B)/asan/tests/,$(TESTS)) $(B)/tsan/test_bgpipe

# The threaded code (the download's hashing ring) under ThreadSanitizer; BearSSL from the
# uninstrumented glibc build (only the portable SHA-256 is used).
$(B)/tsan/test_bgpipe: src/tests/test_bgpipe.c src/lib/bgpipe.c src/lib/sha256.c $(B)/vg/tp/libbearssl.a \
		src/lib/bgpipe.h src/lib/sha256.h src/tests/tap.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BASE_CFLAGS) -O1 -g -fsanitize=thread -o $@ $(filter %.c %.a,$^)

# ---- glibc, no sanitizer, for valgrind: the unit tests and the binary (test-valgrind)
$(B)/vg/tp/libbearssl.a $(B)/vg/tp/libz.a &: $(TP)/.fetched third_party/build.mk
	$(MAKE) -f third_party/build.mk TP=$(TP) OUT=$(B)/vg/tp CC=gcc TPCFLAGS="-O1 -g"
$(B)/vg/obj/%.o: src/%.c $(TP)/.fetched | $(GEN)
	@mkdir -p $(dir $@)
	gcc $(BASE_CFLAGS) -O1 -g -Wno-format-truncation -c $< -o $@
VG_CORE := $(patsubst src/%.c,$(B)/vg/obj/%.o,$(SRC_NOMAIN))
VG_LIBS := $(B)/vg/tp/libbearssl.a $(B)/vg/tp/libz.a
$(B)/vg/ecs-bootstrap: $(B)/vg/obj/main.o $(VG_CORE) $(VG_LIBS)
	gcc -pthread -o $@ $^
$(B)/vg/tests/%: $(B)/vg/obj/tests/%.o $(VG_CORE) $(VG_LIBS)
	@mkdir -p $(dir $@)
	gcc -pthread -o $@ $^
# VG_SUITES: the sandbox suites run under valgrind (make check: these two; image's archive
# parsing runs under ASan there and in fuzz_tar; VG_SUITES= runs all of them, ~8 minutes).
VG_SUITES ?= foundation hostile
# valgrind (memcheck) over every unit test and over the sandbox suites (nft) with the binary
# run through valgrind: any error fails the test it happens in (exit 99), and the logs are
# searched for any error summary that is not 0.
test-valgrind: $(addprefix $(B)/vg/tests/,$(TESTS)) $(B)/vg/ecs-bootstrap $(B)/ecs-bootstrap $(B)/ecs-bootstrap-fault $(B)/standin-agent
	BS_BIN=$(CURDIR)/$(B)/ecs-bootstrap VALGRIND=1 \
		sh scripts/run-tests.sh $(addprefix $(B)/vg/tests/,$(TESTS))
	SUITES="$(VG_SUITES)" bash test-vm/valgrind/run.sh $(CURDIR)/$(B)/vg/ecs-bootstrap $(CURDIR)/$(B)/ecs-bootstrap-fault

fuzz-replay: $(addprefix $(B)/asan/replay/,$(FUZZERS))
	@for f in $(FUZZERS); do \
		$(B)/asan/replay/$$f src/fuzz/corpus/$${f#fuzz_} || exit 1; done

# ---- libFuzzer (clang, glibc, ASan+UBSan)
FUZZ_SECONDS ?= 60
$(B)/fuzz/tp/libbearssl.a $(B)/fuzz/tp/libz.a &: $(TP)/.fetched third_party/build.mk
	$(MAKE) -f third_party/build.mk TP=$(TP) OUT=$(B)/fuzz/tp CC=$(CLANG) TPCFLAGS="-O1 -g $(ASAN_FLAGS) $(TP_UBSAN)"
$(B)/fuzz/obj/%.o: src/%.c $(TP)/.fetched | $(GEN)
	@mkdir -p $(dir $@)
	$(CLANG) $(ASAN_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(B)/fuzz/%: $(B)/fuzz/obj/fuzz/%.o $(patsubst src/%.c,$(B)/fuzz/obj/%.o,$(SRC_NOMAIN)) $(B)/fuzz/tp/libbearssl.a $(B)/fuzz/tp/libz.a
	$(CLANG) $(ASAN_FLAGS) -fsanitize=fuzzer -o $@ $^
fuzz: $(addprefix $(B)/fuzz/,$(FUZZERS))
	@for f in $(FUZZERS); do mkdir -p $(B)/fuzz/corpus/$${f#fuzz_}; \
		$(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(B)/fuzz/corpus/$${f#fuzz_} src/fuzz/corpus/$${f#fuzz_} || exit 1; done

lint: $(GEN) $(TP)/.fetched-mbedtls
	sh scripts/lint.sh

# The fast loop: everything that needs neither root nor a namespace, a VM or the network.
test: test-unit fuzz-replay test-tools lint

# Command-level tests that need no root: OpenPGP with real gpg, docker-save inspection,
# the examples and the man page against the code; --root DIR without root.
test-tools: $(B)/ecs-bootstrap
	bash test-vm/pgp/gpg-cases.sh $(CURDIR)/$(B)/ecs-bootstrap
	bash test-vm/image/inspect-cases.sh $(CURDIR)/$(B)/ecs-bootstrap
	sh scripts/check-examples.sh $(CURDIR)/$(B)/ecs-bootstrap
	bash test-vm/cmd/root-tree.sh $(CURDIR)/$(B)/ecs-bootstrap
	bash test-vm/cmd/userdata-pause.sh

test-sandbox: $(B)/ecs-bootstrap $(B)/ecs-bootstrap-fault $(B)/standin-agent $(B)/task-probe
	bash test-vm/sandbox/run-all.sh $(CURDIR)/$(B)/ecs-bootstrap $(CURDIR)/$(B)/ecs-bootstrap-fault

# The same sandbox suites with the glibc ASan+UBSan build of the binary, but for five whose
# runs of the binary the others repeat (ASAN_SKIP: realagent, the real agent's own behaviour;
# crash, where the fault build is the one killed; bake, whose command amazon.sh also runs and
# whose instances run the steps and `agent` as agent.sh does; userdata, the snippet's shell
# around plain runs; registry, whose pull, credentials and reference code test_docker and
# fuzz_dockerref run under ASan), for CI's time (the three qemu guests).
ASAN_SKIP ?= realagent crash bake userdata registry
test-sandbox-asan: $(B)/asan/ecs-bootstrap $(B)/ecs-bootstrap-fault $(B)/standin-agent $(B)/task-probe
	SKIP_SUITES="$(ASAN_SKIP)" bash test-vm/sandbox/run-all.sh $(CURDIR)/$(B)/asan/ecs-bootstrap $(CURDIR)/$(B)/ecs-bootstrap-fault nft

# The suites that go through TLS, with the mbedtls build (make TLS=mbedtls).
MBED_SUITES ?= network image hostile partitions
test-mbedtls: $(B)/ecs-bootstrap-mbedtls $(B)/ecs-bootstrap-fault $(B)/standin-agent
	SUITES="$(MBED_SUITES)" bash test-vm/sandbox/run-all.sh $(CURDIR)/$(B)/ecs-bootstrap-mbedtls $(CURDIR)/$(B)/ecs-bootstrap-fault nft

# Reproducible release: two builds of HEAD from scratch give the same bytes.  (The Dockerfile
# check, scripts/dockerfile-check.sh, debootstraps a root and is run by hand.)
test-release: tp
	sh scripts/repro-check.sh

# The qemu guests: Debian 12, 13 and unstable with systemd, cloud-init and Docker, booted from
# docs/examples (test-vm/qemu/matrix.sh: images built together, bookworm alone, the others
# together); `make test-vm SUITE=trixie` runs one.
VM_SUITES = bookworm trixie sid
test-vm: $(B)/ecs-bootstrap $(B)/ecs-bootstrap-fault $(B)/standin-agent $(B)/vm-relay $(B)/task-probe
	bash test-vm/qemu/matrix.sh $(CURDIR)/$(B)/ecs-bootstrap $(CURDIR)/$(B)/ecs-bootstrap-fault $(if $(SUITE),$(SUITE),$(VM_SUITES))

deps:
	sh scripts/deps.sh

# The guest images (debootstrap: the archive and one core's dpkg) build in the background from
# the start, beside the builds, unit tests, lint and the release check, which use one core
# each; test-vm waits for them (build-image.sh holds a lock per image) and prints their log.
# What the streams use is built first (make -j2 check-builds); then three streams run at once
# (scripts/streams.sh): the sandbox; the guests (test-vm, the longest part: it starts when the
# images are built, beside the sandbox, whose suites leave about a core idle waiting on dockerd
# and the fakes); and everything else.  Each stream makes its targets in turn
# (scripts/targets.sh), timing each and going on after a failure, so one run shows them all.
STREAM1 = test-sandbox
STREAM2 = test-vm
TARGETS = sh scripts/targets.sh '$(MAKE)'
STREAM3 = test-unit test-tools fuzz-replay lint test-release test-sandbox-asan test-mbedtls test-valgrind test-arm64
check: deps
	@mkdir -p $(B) && date +'# %T the guest images build in the background: $(B)/vm-images.log'
	@bash test-vm/qemu/build-images.sh $(VM_SUITES) > $(B)/vm-images.log 2>&1 &
	@date +'# %T make -j2 check-builds'
	$(MAKE) -j2 check-builds
	@date +'# %T three streams at once: $(STREAM1) | $(STREAM2) | $(STREAM3)'
	sh scripts/streams.sh $(B)/streams "$(TARGETS) $(STREAM1)" "$(TARGETS) $(STREAM2)" "$(TARGETS) $(STREAM3)"
	@cat $(B)/vm-images.log
	@date +'# %T make check: done'

# What the streams of make check use, built before they start (two makes must not build the
# same file at once); stream 3 then builds what only it uses (the fuzz replayers, the mbedtls,
# valgrind and arm64 builds) beside the other streams' tests.
check-builds: $(B)/ecs-bootstrap $(B)/ecs-bootstrap-fault $(B)/standin-agent $(B)/task-probe $(B)/vm-relay \
	$(B)/asan/ecs-bootstrap $(addprefix $(B)/asan/tests/,$(TESTS)) $(B)/tsan/test_bgpipe $(GEN) $(TP)/.fetched-mbedtls

demo: deps
	$(MAKE) static $(B)/standin-agent $(B)/vm-relay $(B)/task-probe
	bash test-vm/qemu/demo.sh $(CURDIR)/$(B)/ecs-bootstrap

demo-sandbox: deps
	$(MAKE) static $(B)/standin-agent
	bash test-vm/sandbox/demo.sh $(CURDIR)/$(B)/ecs-bootstrap

clean:
	rm -rf $(B)
distclean: clean
	rm -rf $(TP)

-include $(shell find $(B)/musl $(B)/mbed $(B)/fault $(B)/asan $(B)/fuzz $(B)/vg -name '*.d' -type f 2>/dev/null)
