# hrdex - human-rights document exchange agent
#
#   make            build build/hrdex
#   make check      install missing packages (as root), build, run every test
#   make demo       three agents on loopback publishing, syncing, then a query
#   make install    PREFIX=/usr/local DESTDIR=
#   make SANITIZE=1 check   the same under AddressSanitizer + UBSan
#   make fuzz       run each libFuzzer target (tests/fuzz/) for FUZZ_SECONDS
#   make crash      kill -9 publish, sync, reindex and the outbox service at random
#                   moments, 60+ times each, checking every invariant (CRASH_SEED)
#   make valgrind   unit tests and a two-agent publish + sync under valgrind
#   make stress     hostile peers at full scale (100k commits, 256 MiB, 1M entries)

PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/hrdex
SHELL := /bin/bash

PKGS := libgit2 libcjson libcurl sqlite3 libsodium libpcre2-8 zlib libcrypto libutf8proc libmicrohttpd libical

ifeq ($(SANITIZE),1)
BUILD ?= build/sanitize
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else
BUILD ?= build/default
SANFLAGS :=
endif

CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -pthread -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	  -Wvla -Wwrite-strings -Wformat-security -fno-common -MMD -MP $(SANFLAGS)
# agent/ is split by layer, lowest first (docs/ARCHITECTURE.md): a file
# includes headers of its own layer or of a lower one, by bare name, found
# through one -I per layer folder; tests/layers.sh enforces the order.
LAYERS := base doc store derive flow service cmd
CPPFLAGS += -D_GNU_SOURCE $(LAYERS:%=-Iagent/%) -I$(BUILD)/gen
LDFLAGS += -pthread $(SANFLAGS)

# pkg-config runs only when building, so `make deps` works before the -dev packages exist.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

SRCS := $(sort $(wildcard $(LAYERS:%=agent/%/*.c)))
OBJS := $(SRCS:agent/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/builtin_schemas.o $(BUILD)/obj/builtin_assets.o \
	$(BUILD)/obj/builtin_countries.o
# The controlled lists (schemas/lists/NAME.json, agent/doc/vocab.c), their own table.
OBJS += $(BUILD)/obj/builtin_lists.o
LIB_OBJS := $(filter-out $(BUILD)/obj/cmd/main.o,$(OBJS))
# Every schema version: schemas/NAME.json (version 1), schemas/2/NAME.json...
# embedded as "NAME.json", "2/NAME.json" (schema.c gives them their ids).
SCHEMAS := $(sort $(wildcard schemas/*.json)) $(sort $(wildcard schemas/[0-9]*/*.json))
ASSETS := $(sort $(wildcard agent/derive/assets/*.css agent/derive/assets/*.js))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Helpers the e2e scenarios run (e.g. a peer that accepts and never answers).
TOOL_BINS := $(BUILD)/tests/tools/blackhole $(BUILD)/tests/tools/killafter

.PHONY: all check unit e2e demo deps install uninstall clean bench valgrind bench-cache fuzz \
	fuzz-build crash stress
.DELETE_ON_ERROR:

all: $(BUILD)/hrdex

$(BUILD)/hrdex: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/obj/%.o: agent/%.c | $(BUILD)/obj $(BUILD)/gen/builtin_schemas.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/gen/builtin_schemas.c: $(SCHEMAS) tools/embed.sh | $(BUILD)/gen
	tools/embed.sh hrdex_builtin_schemas --strip schemas/ $(SCHEMAS) > $@

$(BUILD)/obj/builtin_schemas.o: $(BUILD)/gen/builtin_schemas.c | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

LISTS := $(sort $(wildcard schemas/lists/*.json))
$(BUILD)/gen/builtin_lists.c: $(LISTS) tools/embed.sh | $(BUILD)/gen
	tools/embed.sh hrdex_builtin_lists $(LISTS) > $@

$(BUILD)/obj/builtin_lists.o: $(BUILD)/gen/builtin_lists.c | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The ISO 3166-1 alpha-3 codes of Debian's iso-codes (semantic.c's country check).
ISO3166 ?= /usr/share/iso-codes/json/iso_3166-1.json
$(BUILD)/gen/builtin_countries.c: $(ISO3166) tools/countries.sh | $(BUILD)/gen
	tools/countries.sh $(ISO3166) > $@

$(BUILD)/obj/builtin_countries.o: $(BUILD)/gen/builtin_countries.c | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The static site's stylesheet and script (site_layout.c writes them out).
$(BUILD)/gen/builtin_assets.c: $(ASSETS) tools/embed.sh | $(BUILD)/gen
	tools/embed.sh hrdex_builtin_assets $(ASSETS) > $@

$(BUILD)/obj/builtin_assets.o: $(BUILD)/gen/builtin_assets.c | $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB_OBJS) $(LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS) -lm

# Test tools: small programs the e2e scenarios start (a webhook receiver).
TEST_TOOLS := $(BUILD)/tools/webhook_receiver

$(BUILD)/tools/%: tests/tools/%.c | $(BUILD)/tools
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LDFLAGS) $(PKG_LIBS)

$(BUILD)/obj $(BUILD)/gen $(BUILD)/tests $(BUILD)/tools $(BUILD)/bin:
	mkdir -p $@

$(BUILD)/tests/tools/%: tests/tools/%.c | $(BUILD)/tests/tools
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS)

$(BUILD)/tests/tools:
	mkdir -p $@

# Benchmarks: built and run on demand only, never by `make check`.
$(BUILD)/bench/%: tests/bench/%.c $(LIB_OBJS) | $(BUILD)/bench
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJS) $(LDFLAGS) $(PKG_LIBS) -lm

$(BUILD)/bench:
	mkdir -p $@

# make bench [BENCH_N=100000] [BENCH_REPS=3] [BENCH_PUBLISHERS=4]: each scenario
# against its baseline (see BENCHMARKS.md); table on stdout, bench/results.json.
BENCH_N ?= 100000
BENCH_REPS ?= 3
BENCH_PUBLISHERS ?= 4
bench: all $(BUILD)/bench/corpus
	BENCH_N=$(BENCH_N) BENCH_REPS=$(BENCH_REPS) BENCH_PUBLISHERS=$(BENCH_PUBLISHERS) \
		HRDEX=$(BUILD)/hrdex CORPUS=$(BUILD)/bench/corpus tests/bench/bench.sh -o bench/results.json

# make bench-cache [BENCH_DOCS=100000]: index, update and query timings at scale
bench-cache: $(BUILD)/bench/cache_bench
	$(BUILD)/bench/cache_bench $(BENCH_DOCS)

check: deps
	$(MAKE) all $(UNIT_BINS) $(TEST_TOOLS) $(TOOL_BINS) $(BUILD)/bench/corpus $(BUILD)/bench/cache_bench
	if command -v $(FUZZ_CC) >/dev/null; then $(MAKE) fuzz-build; fi
	tests/run.sh $(BUILD)

unit: all $(UNIT_BINS)
	tests/run.sh $(BUILD) unit

e2e: all $(TEST_TOOLS) $(TOOL_BINS) $(BUILD)/bench/corpus
	tests/run.sh $(BUILD) e2e

demo: deps
	$(MAKE) all
	tools/demo.sh $(BUILD)/hrdex

deps:
	tools/deps.sh

# libFuzzer targets: the agent objects again, built by clang with
# -fsanitize=fuzzer-no-link into their own tree (build/fuzz), so the gcc
# builds are untouched.  `make check` runs each committed corpus once
# (tests/fuzz/run-regression.sh); `make fuzz` explores for FUZZ_SECONDS each,
# one target at a time, adding what it finds to tests/fuzz/corpus/TARGET/.
FUZZ_CC ?= clang
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := json schema sshsig config tree commit
# -Wno-error: gcc is the compiler whose warnings fail the build; clang's own
# (e.g. -Wstring-concatenation) are shown but must not stop `make check`.
FUZZ_SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Wno-error
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/bin/fuzz_%)

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) SANFLAGS="$(FUZZ_SANFLAGS)" $(FUZZ_BINS)

fuzz: deps fuzz-build
	tests/fuzz/run-fuzz.sh $(FUZZ_BUILD)/bin $(FUZZ_SECONDS) $(FUZZ_TARGETS)

$(BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIB_OBJS) | $(BUILD)/bin
	$(CC) $(CPPFLAGS) -Itests/fuzz $(CFLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(LIB_OBJS) $(LDFLAGS) $(PKG_LIBS) -lm

# Unit tests, then a two-agent publish + sync (fetch child included), query,
# reindex, verify and an outbox pass, every hrdex process under valgrind:
# no error, no definite leak (suppressions: tests/valgrind.supp).
valgrind: all $(UNIT_BINS)
	HRDEX_VALGRIND=1 tests/run.sh $(BUILD) unit
	HRDEX=$(CURDIR)/$(BUILD)/hrdex HRDEX_BUILD=$(CURDIR)/$(BUILD) tests/valgrind/sync.sh

# make crash [CRASH_KILLS=60] [CRASH_SEED=N]: the full crash harness
# (tests/crash/crash.sh; `make check` runs a short one, e2e/600-crash-short).
crash: all $(TOOL_BINS)
	HRDEX=$(CURDIR)/$(BUILD)/hrdex HRDEX_BUILD=$(CURDIR)/$(BUILD) tests/crash/crash.sh

# make stress: hostile peers at full scale against the default limits (100,001
# commits, a 256 MiB attachment, a tree of 1,000,001 entries; e2e/610 runs the
# same shapes small in `make check`).
stress: all $(TOOL_BINS)
	HRDEX=$(CURDIR)/$(BUILD)/hrdex HRDEX_BUILD=$(CURDIR)/$(BUILD) HRDEX_SCALE=large \
		bash tests/e2e/610-hostile-scale.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(BUILD)/hrdex $(DESTDIR)$(BINDIR)/hrdex
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m 0644 contrib/hrdex.1 $(DESTDIR)$(MANDIR)/man1/hrdex.1
	install -m 0644 contrib/hrdex.conf.5 $(DESTDIR)$(MANDIR)/man5/hrdex.conf.5
	install -m 0644 contrib/hrdex.conf contrib/hrdex.service contrib/hrdex-git-daemon.service \
		contrib/hrdex-serve.service contrib/nginx-serve.conf \
		$(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hrdex
	rm -f $(DESTDIR)$(MANDIR)/man1/hrdex.1 $(DESTDIR)$(MANDIR)/man5/hrdex.conf.5
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(TEST_TOOLS:=.d) $(FUZZ_BINS:=.d)
