# third_party/build.mk: build the pinned third-party libraries (sources fetched by
# fetch.sh into $(TP)) into $(OUT) with $(CC) and $(TPCFLAGS).  Invoked by the top
# Makefile once per flavour (musl static, glibc+sanitizers, fuzz); never edits sources.
TP ?= third_party/cache
OUT ?= build/musl/tp
CC ?= cc
AR ?= ar
TPCFLAGS ?= -O2
# TPCOLD: flags added for BearSSL's code a byte of data does not go through (the handshake,
# certificates, public keys, the engine's setup), e.g. -Os for the release binary's size;
# the ciphers, hashes and record layer (BEARSSL_HOT) keep TPCFLAGS alone.
TPCOLD ?=
BEARSSL_HOT := symcipher/aes_% symcipher/chacha20_% symcipher/poly1305_% hash/ghash_% hash/sha% ssl/ssl_rec_% ssl/ssl_io.c ssl/ssl_engine.c

BEARSSL_SRC := $(shell find $(TP)/bearssl/src -name '*.c' | sort)
BEARSSL_OBJ := $(patsubst $(TP)/bearssl/src/%.c,$(OUT)/bearssl/%.o,$(BEARSSL_SRC))
ZLIB_NAMES := adler32 crc32 deflate infback inffast inflate inftrees trees zutil compress uncompr
ZLIB_OBJ := $(patsubst %,$(OUT)/zlib/%.o,$(ZLIB_NAMES))
# mbedtls (the alternate TLS backend, make TLS=mbedtls): its default configuration, built
# only when asked for (target $(OUT)/libmbedtls.a)
MBEDTLS_SRC := $(sort $(wildcard $(TP)/mbedtls/library/*.c))
MBEDTLS_OBJ := $(patsubst $(TP)/mbedtls/library/%.c,$(OUT)/mbedtls/%.o,$(MBEDTLS_SRC))

all: $(OUT)/libbearssl.a $(OUT)/libz.a

$(OUT)/libbearssl.a: $(BEARSSL_OBJ)
	@rm -f $@ && $(AR) rcs $@ $^ && echo "AR $@"

$(OUT)/libz.a: $(ZLIB_OBJ)
	@rm -f $@ && $(AR) rcs $@ $^ && echo "AR $@"

$(OUT)/libmbedtls.a: $(MBEDTLS_OBJ)
	@rm -f $@ && $(AR) rcs $@ $^ && echo "AR $@"

$(OUT)/bearssl/%.o: $(TP)/bearssl/src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TPCFLAGS) $(if $(filter $(BEARSSL_HOT),$*.c),,$(TPCOLD)) -I$(TP)/bearssl/inc -I$(TP)/bearssl/src -c $< -o $@

$(OUT)/zlib/%.o: $(TP)/zlib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TPCFLAGS) -DHAVE_UNISTD_H -DHAVE_STDARG_H -I$(TP)/zlib -c $< -o $@

$(OUT)/mbedtls/%.o: $(TP)/mbedtls/library/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TPCFLAGS) -I$(TP)/mbedtls/include -I$(TP)/mbedtls/library -c $< -o $@

.DELETE_ON_ERROR:
