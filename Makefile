# sanctrace - one GNU Makefile for build, tests, fuzzing, benchmarks and demo.
#
#   make demo            install what is missing, build, run the main job on real data
#   make test            build and pass every test (release + sanitizer build + fuzz smoke)
#   make MODE=asan test  the sanitizer build only
#   make deps | evm-tools | lint | bench | eval | fuzz | format | clean
#   make install PREFIX=DIR   binary, libsanctrace.a, public headers, sanctrace.pc
#
# Sources are found by folder: src/<module>/*.c form libsanctrace.a (all but
# src/cli), src/cli/*.c the sanctrace binary, tests/unit/test_*.c one cmocka
# binary each, fuzz/fuzz_*.c one libFuzzer target each.

MODE ?= release
BUILD := build/$(MODE)
ST_DATA ?= $(abspath ../shared/data)
export ST_DATA

# The library's and the binary's packages; cmocka links into test binaries only.
PKGS := icu-uc icu-i18n libxml-2.0 sqlite3 libmicrohttpd jansson libcurl libcrypto libpq yaml-0.1 zlib
TEST_PKGS := cmocka

CC := cc
WARN := -Wall -Wextra -Wshadow -Wno-unused-parameter -Wstrict-prototypes -Wmissing-prototypes
BASEFLAGS := -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -pthread -MMD -MP
ifeq ($(MODE),asan)
  OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(MODE),debug)
  OPT := -O0 -g
else
  OPT := -O2 -g
endif
ifeq ($(CI),true)
  WARN += -Werror
endif

DEPS_STAMP := build/.deps-ok
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
CFLAGS := $(BASEFLAGS) $(WARN) $(OPT)
LDLIBS = $(PKG_LIBS) -lbz2 -lm # libbz2 has no .pc file (chain ingest reads .bz2 block files)

LIB_SRC := $(sort $(filter-out src/cli/%,$(wildcard src/*/*.c)))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
# The server's web page (web/*) is compiled into the library as byte arrays.
WEB_FILES := $(sort $(wildcard web/*.html web/*.js web/*.css))
WEB_C := $(BUILD)/gen/web_assets.c
LIB_OBJ += $(BUILD)/gen/web_assets.o
# Korean readings of Hanja (Unihan kHangul) as a table in the library.
HANJA_C := $(BUILD)/gen/hanja_table.c
LIB_OBJ += $(BUILD)/gen/hanja_table.o
# Screening images (src/screen/image.c) carry a digest of the library's
# sources, so a cache written by one build is never read by another.
LIB_HDR := $(sort $(wildcard src/*/*.h include/sanctrace/*.h))
PUB_HDR := $(sort $(wildcard include/sanctrace/*.h))
LIB_OBJ += $(BUILD)/gen/build_id.o
LIB := $(BUILD)/libsanctrace.a
# The same objects with every symbol visible, for the unit tests, benchmarks
# and fuzzers that reach inside (the installed library hides them).
LIB_INTERNAL := $(BUILD)/libsanctrace-internal.a
BIN := $(BUILD)/sanctrace
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

.PHONY: all deps evm-tools install test test-one unit cli-tests fuzz fuzz-smoke lint bench eval demo clean format

all: $(BIN)

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p build && touch $@

# A real Ethereum node (anvil), its client (cast) and the Solidity compiler
# (solcjs), pinned in tools/package-lock.json, for the EVM tests and the demo.
EVM_TOOLS := $(abspath tools/node_modules/.bin)
EVM_TOOLS_STAMP := tools/node_modules/.installed
evm-tools: $(EVM_TOOLS_STAMP)
$(EVM_TOOLS_STAMP): tools/package.json tools/package-lock.json | $(DEPS_STAMP)
	cd tools && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

# The command line is a client of the public API: it compiles with
# include/ only, so a private header of the library cannot creep in.
CLI_CFLAGS := $(filter-out -Isrc,$(CFLAGS))
$(BUILD)/src/cli/%.o: src/cli/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CLI_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(WEB_C): $(WEB_FILES) scripts/embed_web.sh
	@mkdir -p $(dir $@)
	sh scripts/embed_web.sh $@ $(WEB_FILES)
$(BUILD)/gen/web_assets.o: $(WEB_C)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

build/%/gen/hanja_table.c: scripts/gen_hanja.py | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	python3 scripts/gen_hanja.py $@
$(BUILD)/gen/hanja_table.o: $(HANJA_C) src/names/hanja.h
	$(CC) $(CFLAGS) -c $< -o $@

build/%/gen/build_id.c: $(LIB_SRC) $(LIB_HDR)
	@mkdir -p $(dir $@)
	@printf 'const char st_build_sources_digest[] = "%s";\n' "$$(cat $(LIB_SRC) $(LIB_HDR) | sha256sum | cut -c1-32)" > $@
$(BUILD)/gen/build_id.o: $(BUILD)/gen/build_id.c
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB_INTERNAL): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# libsanctrace.a: the objects linked into one, with only the symbols named in
# include/sanctrace/ left global: internal helpers (st_buf_*, rg_*, chain_*,
# ...) cannot clash with a program's own names or be called by it.
$(LIB): $(LIB_OBJ) $(PUB_HDR) scripts/public_symbols.sh
	@rm -f $@ $(BUILD)/sanctrace-all.o $(BUILD)/sanctrace.o
	ld -r -o $(BUILD)/sanctrace-all.o $(LIB_OBJ)
	sh scripts/public_symbols.sh $(BUILD)/sanctrace-all.o $(PUB_HDR) > $(BUILD)/public.syms
	objcopy --keep-global-symbols=$(BUILD)/public.syms $(BUILD)/sanctrace-all.o $(BUILD)/sanctrace.o
	ar rcs $@ $(BUILD)/sanctrace.o

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)
	@ln -sf $(MODE)/sanctrace build/sanctrace-$(MODE)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_INTERNAL) tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) -Itests/unit -o $@ $< $(LIB_INTERNAL) $(LDLIBS) $(TEST_LIBS)

# Each public header compiles alone, as C and as C++, with every warning an
# error: a client includes one header and nothing else.
HEADERTEST := $(BUILD)/headertest.ok
$(HEADERTEST): $(PUB_HDR) tests/headertest.sh
	@mkdir -p $(dir $@)
	@sh tests/headertest.sh $(BUILD)/headertest $(PUB_HDR)
	@touch $@

# `make install PREFIX=...`: the binary, the static library, the public
# headers and sanctrace.pc (a static library: its packages are Requires,
# libbz2 and libm in Libs).
PREFIX ?= /usr/local
DESTDIR ?=
# sanctrace.pc is written by the install itself, so it always names the
# PREFIX being installed to.
install: $(BIN) $(LIB) scripts/sanctrace.pc.in
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/sanctrace
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/sanctrace
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libsanctrace.a
	install -m 644 $(PUB_HDR) $(DESTDIR)$(PREFIX)/include/sanctrace/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(shell sed -n 's/^#define ST_VERSION "\(.*\)"/\1/p' include/sanctrace/sanctrace.h)|' \
	  -e 's|@REQUIRES@|$(PKGS)|' scripts/sanctrace.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sanctrace.pc

# The programs in examples/ built against an installed copy (as a user's
# program would be: pkg-config, public headers only) and run by the tests.
EXAMPLE_PREFIX := $(abspath $(BUILD)/example-install)
EXAMPLE_SRC := $(sort $(wildcard examples/*.c))
EXAMPLE_BIN := $(EXAMPLE_SRC:examples/%.c=$(BUILD)/examples/%)
$(BUILD)/examples/.installed: $(BIN) $(LIB) scripts/sanctrace.pc.in $(PUB_HDR)
	@rm -rf $(EXAMPLE_PREFIX)
	@$(MAKE) --no-print-directory MODE=$(MODE) PREFIX=$(EXAMPLE_PREFIX) install >/dev/null
	@mkdir -p $(dir $@) && touch $@
$(BUILD)/examples/%: examples/%.c $(BUILD)/examples/.installed
	$(CC) -std=c11 -Wall -Wextra -pedantic $(OPT) -o $@ $< \
	  $$(PKG_CONFIG_PATH=$(EXAMPLE_PREFIX)/lib/pkgconfig pkg-config --cflags --libs sanctrace)

# One mode's tests: public headers, unit binaries, then command-line tests
# against the binary (tests/cli/examples.sh runs the example programs).
test-one: $(BIN) $(TEST_BIN) $(HEADERTEST) $(EXAMPLE_BIN) $(EVM_TOOLS_STAMP)
	@ST_EVM_TOOLS=$(EVM_TOOLS) ST_BIN=$(abspath $(BIN)) ST_BUILD=$(abspath $(BUILD)) ST_EXAMPLES=$(abspath $(BUILD)/examples) MODE=$(MODE) sh tests/run.sh $(TEST_BIN)

ifeq ($(MODE),release)
test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory MODE=release test-one
	@$(MAKE) --no-print-directory MODE=asan test-one
	@$(MAKE) --no-print-directory fuzz-smoke
else
test: test-one
endif

# libFuzzer targets: the library built again with clang and coverage.
FUZZ_BUILD := build/fuzz
FUZZ_CFLAGS := $(BASEFLAGS) -O1 -g -fsanitize=fuzzer-no-link,address,undefined
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o) $(FUZZ_BUILD)/gen/build_id.o $(FUZZ_BUILD)/gen/hanja_table.o
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)
$(FUZZ_BUILD)/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $(PKG_CFLAGS) -c $< -o $@
$(FUZZ_BUILD)/gen/hanja_table.o: $(FUZZ_BUILD)/gen/hanja_table.c src/names/hanja.h
	clang $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_BUILD)/gen/build_id.o: $(FUZZ_BUILD)/gen/build_id.c
	clang $(FUZZ_CFLAGS) -c $< -o $@
$(FUZZ_BUILD)/libsanctrace.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_BUILD)/libsanctrace.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< $(FUZZ_BUILD)/libsanctrace.a $(LDLIBS)
fuzz: $(FUZZ_BIN)
# Each target runs briefly from its seed corpus in `make test`; FUZZ_SECONDS for longer runs.
FUZZ_SECONDS ?= 8
fuzz-smoke: $(FUZZ_BIN)
	@sh tests/fuzz_smoke.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

lint: $(DEPS_STAMP)
	clang-tidy --quiet $(LIB_SRC) $(CLI_SRC) -- $(BASEFLAGS) $(PKG_CFLAGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -Iinclude -Isrc src

BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
$(BUILD)/bench/%: bench/%.c $(LIB_INTERNAL)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Ibench -o $@ $< $(LIB_INTERNAL) $(LDLIBS)

BENCH_SIZE ?= small
bench: $(BIN) $(BENCH_BIN) $(EVM_TOOLS_STAMP)
	@ST_EVM_TOOLS=$(EVM_TOOLS) ST_BIN=$(abspath $(BIN)) ST_BENCH_BIN=$(abspath $(BUILD)/bench) BENCH_SIZE=$(BENCH_SIZE) sh bench/run.sh

eval: $(BIN)
	@ST_BIN=$(abspath $(BIN)) sh scripts/eval.sh

demo: $(BIN) $(EVM_TOOLS_STAMP)
	@ST_EVM_TOOLS=$(EVM_TOOLS) ST_BIN=$(abspath $(BIN)) sh scripts/demo.sh

# Formats the C files changed since the last commit (see .clang-format).
format:
	@f=$$(git diff --name-only --diff-filter=AM HEAD -- '*.c' '*.h'); [ -z "$$f" ] || clang-format -i $$f

clean:
	rm -rf build

# Header dependencies of everything built (library, commands, tests,
# benchmarks, fuzzers), so a changed header rebuilds every object that reads it.
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(BENCH_BIN:=.d) $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_BIN:=.d)
