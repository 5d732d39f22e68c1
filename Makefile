# mpble build. `make` leaves the importable modules in $(BUILD)/python/, the
# executables in $(BUILD)/bin/ and the library in $(BUILD)/lib/: libmpble.a (which the
# tests link, internals included) and libmpble.so (which exports only the mpble_*
# functions of include/mpble/mpble.h). `make SAN=1` builds the same into build-san/ with
# AddressSanitizer and UndefinedBehaviorSanitizer; `make fuzz` builds the libFuzzer
# targets into build-fuzz/ with clang.

SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT = -O1
else
BUILD ?= build
SANFLAGS =
OPT = -O2
endif

CC ?= cc
PYTHON ?= python3
PY_INCLUDES := $(shell $(PYTHON) -c "import sysconfig; print('-I' + sysconfig.get_paths()['include'])")
PY_EXT := $(shell $(PYTHON) -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
# Hidden visibility: only what is marked MPBLE_API (and the extension's PyInit_bluetooth)
# is visible outside a shared object. Static linking still sees every global.
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) -g -fPIC -fvisibility=hidden $(WARN) -Iinclude -Isrc \
             $(SANFLAGS) $(CFLAGS)
LIBS = -lcrypto -lpthread -lm

LIB_SRC := $(wildcard src/common/*.c src/crypto/*.c src/transport/*.c src/host/*.c \
                      src/controller/*.c) $(filter-out src/air/main.c,$(wildcard src/air/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/lib/libmpble.a
SHLIB := $(BUILD)/lib/libmpble.so

EXT_SRC := $(wildcard python/bluetooth/*.c)
EXT_OBJ := $(EXT_SRC:%.c=$(BUILD)/obj/%.o)
EXT := $(BUILD)/python/bluetooth$(PY_EXT)

PKG_SRC := $(shell find python/mpble -name '*.py' 2>/dev/null)
PKG := $(PKG_SRC:python/%=$(BUILD)/python/%)

TEST_SRC := $(wildcard tests/c/test_*.c)
TESTS := $(TEST_SRC:tests/c/%.c=$(BUILD)/tests/%)

BINS := $(BUILD)/bin/mpble-air $(BUILD)/bin/mpble

BENCH_SRC := $(wildcard bench/*.c)
BENCHES := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

HDRS := $(shell find include src python/bluetooth tests/c bench -name '*.h')

all: $(LIB) $(SHLIB) $(BINS) $(EXT) $(PKG) $(TESTS) $(BENCHES)

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/obj/python/bluetooth/%.o: python/bluetooth/%.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(PY_INCLUDES) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(SHLIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared $(SANFLAGS) -Wl,-soname,libmpble.so -Wl,--no-undefined -o $@ $^ $(LIBS)

$(BUILD)/bin/mpble-air: $(BUILD)/obj/src/air/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -o $@ $^ $(LIBS)

# The mpble command from the build tree: python -m mpble with build/python importable.
$(BUILD)/bin/mpble: Makefile
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\n# mpble from the build tree: $(PYTHON) -m mpble with build/python importable\nd="$$(dirname "$$(readlink -f "$$0")")/../python"\nPYTHONPATH="$$d$${PYTHONPATH:+:$$PYTHONPATH}" exec $(PYTHON) -m mpble "$$@"\n' > $@
	chmod +x $@

# The extension links the static library without re-exporting it: a Python module
# exports PyInit_bluetooth and nothing else.
$(EXT): $(EXT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) -shared $(SANFLAGS) -Wl,--exclude-libs,ALL -o $@ $^ $(LIBS)

$(BUILD)/python/%.py: python/%.py
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/tests/%: tests/c/%.c $(LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/c -o $@ $< $(LIB) $(LIBS)

$(BUILD)/bench/%: bench/%.c $(LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIB) $(LIBS)

# libFuzzer targets: every tests/fuzz/fuzz_*.c, linked with the library built by clang.
FUZZ_BUILD = build-fuzz
FUZZ_FLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
fuzz:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang SANFLAGS="$(FUZZ_FLAGS)" $(FUZZ_BUILD)/lib/libmpble.a
	@mkdir -p $(FUZZ_BUILD)/fuzz
	for f in $(FUZZ_SRC); do \
	  n=$$(basename $$f .c); \
	  clang -std=c11 -D_GNU_SOURCE -O1 -g -Iinclude -Isrc -fsanitize=fuzzer,address,undefined \
	    -o $(FUZZ_BUILD)/fuzz/$$n $$f $(FUZZ_BUILD)/lib/libmpble.a $(LIBS) || exit 1; \
	done

check: all
	tests/run

clean:
	rm -rf build build-san build-fuzz

.PHONY: all fuzz check clean
