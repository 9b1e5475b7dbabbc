# ecs-bootstrap: plain GNU make.
#   make            the static release binary build/ecs-bootstrap (musl, stripped)
#   make check      everything: deps (apt, as root), build, unit tests and fuzz corpus
#                   replay under ASan/UBSan, lint, namespace sandbox (nft and legacy)
#   make demo       the main job end to end in the namespace sandbox, with its log and status
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

SRC := $(sort $(wildcard src/*.c src/lib/*.c))
SRC_NOMAIN := $(filter-out src/main.c,$(SRC))
TESTS := $(patsubst src/tests/%.c,%,$(sort $(wildcard src/tests/test_*.c)))
FUZZERS := $(patsubst src/fuzz/%.c,%,$(sort $(wildcard src/fuzz/fuzz_*.c)))

WARN := -Wall -Wextra -Werror -Wundef -Wshadow -Wformat=2 -Wmissing-prototypes -Wstrict-prototypes
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Isrc -isystem $(TP)/bearssl/inc -isystem $(TP)/zlib -isystem $(TP)/jsmn -I$(B)/gen \
	-DBS_VERSION='"$(VERSION)"' -DBS_COMMIT='"$(COMMIT)"' -DBS_BEARSSL_VERSION='"$(BEARSSL_VERSION)"' \
	-DBS_HAVE_ZLIB=1 -MMD -MP

# Release: musl, fully static, hardened.
MUSLCC := musl-gcc
MUSL_CFLAGS := $(BASE_CFLAGS) -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fno-plt
MUSL_LDFLAGS := -static -Wl,-z,relro,-z,now -Wl,--gc-sections
# Sanitizers: glibc + clang (ASan cannot link statically with musl).
CLANG := clang
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_CFLAGS := $(BASE_CFLAGS) -O1 -g $(ASAN_FLAGS) -DBS_FAULT_INJECTION=1

.PHONY: all static fault asan check test-unit test-tools test-sandbox-asan fuzz-replay fuzz lint test-sandbox demo deps clean distclean tp
all: static
static: $(B)/ecs-bootstrap
fault: $(B)/ecs-bootstrap-fault

# ---- third-party sources (pinned, checksummed; see third_party/README.md)
$(TP)/.fetched: third_party/lock.txt third_party/fetch.sh
	sh third_party/fetch.sh $(TP) bearssl zlib jsmn
	touch $@
tp: $(TP)/.fetched

$(B)/musl/tp/libbearssl.a $(B)/musl/tp/libz.a: $(TP)/.fetched third_party/build.mk
	$(MAKE) -f third_party/build.mk TP=$(TP) OUT=$(B)/musl/tp CC=$(MUSLCC) TPCFLAGS="-O2 -ffunction-sections -fdata-sections"
$(B)/asan/tp/libbearssl.a $(B)/asan/tp/libz.a: $(TP)/.fetched third_party/build.mk
	$(MAKE) -f third_party/build.mk TP=$(TP) OUT=$(B)/asan/tp CC=$(CLANG) TPCFLAGS="-O1 -g $(ASAN_FLAGS)"

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
$(B)/musl/obj/%.o: src/%.c $(TP)/.fetched | $(GEN)
	@mkdir -p $(dir $@)
	$(MUSLCC) $(MUSL_CFLAGS) -ffunction-sections -fdata-sections -c $< -o $@
$(B)/ecs-bootstrap.debug: $(patsubst src/%.c,$(B)/musl/obj/%.o,$(SRC)) $(MUSL_LIBS)
	$(MUSLCC) $(MUSL_LDFLAGS) -o $@ $^
$(B)/ecs-bootstrap: $(B)/ecs-bootstrap.debug
	strip -o $@ $<

# ---- the stand-in agent for the sandbox (a test artefact: static, musl)
$(B)/standin-agent: test-vm/agent/standin.c
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

test-unit: $(addprefix $(B)/asan/tests/,$(TESTS)) $(B)/ecs-bootstrap
	BS_BIN=$(CURDIR)/$(B)/ecs-bootstrap BS_VECTORS=$(CURDIR)/../shared/vectors \
		sh scripts/run-tests.sh $(addprefix $(B)/asan/tests/,$(TESTS))

fuzz-replay: $(addprefix $(B)/asan/replay/,$(FUZZERS))
	@for f in $(FUZZERS); do \
		$(B)/asan/replay/$$f src/fuzz/corpus/$${f#fuzz_} || exit 1; done

# ---- libFuzzer (clang, glibc, ASan+UBSan)
FUZZ_SECONDS ?= 60
$(B)/fuzz/tp/libbearssl.a $(B)/fuzz/tp/libz.a: $(TP)/.fetched third_party/build.mk
	$(MAKE) -f third_party/build.mk TP=$(TP) OUT=$(B)/fuzz/tp CC=$(CLANG) TPCFLAGS="-O1 -g $(ASAN_FLAGS)"
$(B)/fuzz/obj/%.o: src/%.c $(TP)/.fetched | $(GEN)
	@mkdir -p $(dir $@)
	$(CLANG) $(ASAN_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(B)/fuzz/%: $(B)/fuzz/obj/fuzz/%.o $(patsubst src/%.c,$(B)/fuzz/obj/%.o,$(SRC_NOMAIN)) $(B)/fuzz/tp/libbearssl.a $(B)/fuzz/tp/libz.a
	$(CLANG) $(ASAN_FLAGS) -fsanitize=fuzzer -o $@ $^
fuzz: $(addprefix $(B)/fuzz/,$(FUZZERS))
	@for f in $(FUZZERS); do mkdir -p $(B)/fuzz/corpus/$${f#fuzz_}; \
		$(B)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(B)/fuzz/corpus/$${f#fuzz_} src/fuzz/corpus/$${f#fuzz_} || exit 1; done

lint: $(GEN)
	sh scripts/lint.sh

# Command-level tests that need no root: OpenPGP with real gpg, docker-save inspection.
test-tools: $(B)/ecs-bootstrap
	bash test-vm/pgp/gpg-cases.sh $(CURDIR)/$(B)/ecs-bootstrap
	bash test-vm/image/inspect-cases.sh $(CURDIR)/$(B)/ecs-bootstrap

test-sandbox: $(B)/ecs-bootstrap $(B)/ecs-bootstrap-fault $(B)/standin-agent
	bash test-vm/sandbox/run-all.sh $(CURDIR)/$(B)/ecs-bootstrap $(CURDIR)/$(B)/ecs-bootstrap-fault

# The same sandbox suites with the glibc ASan+UBSan build of the binary.
test-sandbox-asan: $(B)/asan/ecs-bootstrap $(B)/ecs-bootstrap-fault $(B)/standin-agent
	bash test-vm/sandbox/run-all.sh $(CURDIR)/$(B)/asan/ecs-bootstrap $(CURDIR)/$(B)/ecs-bootstrap-fault nft

deps:
	sh scripts/deps.sh

check: deps
	$(MAKE) static fault asan
	$(MAKE) test-unit
	$(MAKE) test-tools
	$(MAKE) fuzz-replay
	$(MAKE) lint
	$(MAKE) test-sandbox
	$(MAKE) test-sandbox-asan

demo: deps
	$(MAKE) static $(B)/standin-agent
	bash test-vm/sandbox/demo.sh $(CURDIR)/$(B)/ecs-bootstrap

clean:
	rm -rf $(B)
distclean: clean
	rm -rf $(TP)

-include $(shell find $(B) -name '*.d' 2>/dev/null)
