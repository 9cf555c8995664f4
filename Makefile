# SPDX-License-Identifier: ISC
# analyticsd — build, test, demo, install.
#   make            build analyticsd and analyticsctl into build/
#   make TEST_HOOKS=1  the same, honouring the test-only environment
#                   variables (daemon/testhooks.h), into build/hooks/
#   make check      unit and integration tests, built with ASan+UBSan
#   make check-citus  the Citus suite on a coordinator and two workers (skips without Citus)
#   make demo       throwaway PostgreSQL, demo data, daemon, status
#   make bench      the performance benchmark (docs/BENCHMARKS.md)
#   make soak       an hour of load and hostile readers (docs/RELIABILITY.md)
#   make deps       install the Debian packages needed (asks for root)
#   make package-check  build the Debian package, check it, install and purge it (root)
#   make install    PREFIX=/usr/local DESTDIR= (make uninstall with the same removes it)
#   V=1             show every command; WERROR=1 makes warnings errors (CI does)
#   CPPFLAGS, CFLAGS, LDFLAGS are honoured (dpkg-buildflags, say)

VERSION   := 0.3.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc

CC        ?= cc
PKG_CONFIG ?= pkg-config
PKGS      := libpq libevent libconfig libsystemd jansson smartcols
CTL_PKGS  := jansson smartcols

TEST_HOOKS ?=
BUILD     ?= build$(if $(TEST_HOOKS),/hooks)
SAN       ?=
CFLAGS    ?= -O2 -g
WERROR    ?=
WARN      := -Wall -Wextra $(if $(WERROR),-Werror) -Wshadow -Wformat=2 -Wstrict-prototypes \
             -Wmissing-prototypes -Wno-unused-parameter
V         ?=
Q         := $(if $(V),,@)
say        = $(if $(V),,@echo "  $(1)")
comma     := ,
SANFLAGS  := $(if $(SAN),-fsanitize=address$(comma)undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(filter-out smartcols,$(PKGS)) 2>/dev/null)
CTL_LIBS   := $(shell $(PKG_CONFIG) --libs $(CTL_PKGS) 2>/dev/null)

ALL_CFLAGS := -std=gnu11 $(WARN) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE \
              $(if $(TEST_HOOKS),-DANALYTICSD_TEST_HOOKS) \
              -DANALYTICSD_VERSION=\"$(VERSION)\" -Iinclude -I$(BUILD)/gen $(PKG_CFLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -pthread

LIB_SRC    := lib/proto.c lib/text.c
DAEMON_SRC := $(wildcard daemon/*.c)
CTL_SRC    := $(wildcard ctl/*.c)
# Templates (*.sql.in) list columns through markers that tools/gen-sql.c expands from the
# column registry (include/analytics_columns.h); `make sql` writes them out for psql.
SQL_GEN    := $(patsubst sql/queries/%.sql.in,$(BUILD)/gen/sql/%.sql,$(wildcard sql/queries/*.sql.in))
FUNC_GEN   := $(patsubst sql/functions/%.sql.in,$(BUILD)/gen/functions/%.sql,$(wildcard sql/functions/*.sql.in))
SQL_FILES  := $(sort $(wildcard sql/queries/*.sql) $(SQL_GEN)) $(sort $(wildcard sql/migrations/*.sql)) \
              $(sort $(wildcard sql/functions/*.sql)) $(FUNC_GEN)

LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/sqlfiles.o
CTL_OBJ    := $(CTL_SRC:%.c=$(BUILD)/%.o)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

.PHONY: all check check-valgrind check-citus unit integration demo bench soak deps install uninstall clean fuzz unit-bins \
	package-check sql
all: $(BUILD)/analyticsd $(BUILD)/analyticsctl
sql: $(SQL_GEN) $(FUNC_GEN)

$(BUILD)/gen-sql: tools/gen-sql.c include/analytics_columns.h
	$(Q)mkdir -p $(dir $@)
	$(call say,CC      $<)
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(BUILD)/gen/sql/%.sql: sql/queries/%.sql.in $(BUILD)/gen-sql
	$(Q)mkdir -p $(dir $@)
	$(call say,GEN     $@)
	$(Q)$(BUILD)/gen-sql $< >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/functions/%.sql: sql/functions/%.sql.in $(BUILD)/gen-sql
	$(Q)mkdir -p $(dir $@)
	$(call say,GEN     $@)
	$(Q)$(BUILD)/gen-sql $< >$@.tmp && mv $@.tmp $@

# One rule makes both files (a grouped target: under make -j it runs once).
$(BUILD)/gen/sqlfiles.c $(BUILD)/gen/sqlfiles.h &: $(SQL_FILES) tools/embed-sql.sh
	$(Q)mkdir -p $(BUILD)/gen
	$(call say,EMBED   sql/)
	$(Q)sh tools/embed-sql.sh $(BUILD)/gen/sqlfiles.c $(BUILD)/gen/sqlfiles.h $(SQL_FILES)

$(BUILD)/%.o: %.c $(BUILD)/gen/sqlfiles.h
	$(Q)mkdir -p $(dir $@)
	$(call say,CC      $<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/sqlfiles.o: $(BUILD)/gen/sqlfiles.c
	$(call say,CC      $<)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libanalytics.a: $(LIB_OBJ)
	$(call say,AR      $@)
	$(Q)$(AR) rcs $@ $^

$(BUILD)/analyticsd: $(DAEMON_OBJ) $(BUILD)/libanalytics.a
	$(call say,LD      $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/analyticsctl: $(CTL_OBJ) $(BUILD)/libanalytics.a
	$(call say,LD      $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CTL_LIBS)

# Unit tests link the module under test (not main.c) with cmocka.
$(BUILD)/tests/test_proto: tests/unit/test_proto.c $(BUILD)/libanalytics.a
$(BUILD)/tests/test_config: tests/unit/test_config.c $(BUILD)/daemon/config.o $(BUILD)/daemon/util.o
$(BUILD)/tests/test_db_error: tests/unit/test_db_error.c $(BUILD)/daemon/db.o $(BUILD)/daemon/log.o \
	$(BUILD)/daemon/dbhosts.o $(BUILD)/daemon/testhooks.o \
	$(BUILD)/daemon/config.o $(BUILD)/daemon/util.o \
	$(BUILD)/gen/sqlfiles.o $(BUILD)/libanalytics.a
$(BUILD)/tests/test_wire: tests/unit/test_wire.c $(BUILD)/daemon/wire.o $(BUILD)/daemon/util.o
$(BUILD)/tests/test_agg: tests/unit/test_agg.c $(BUILD)/daemon/agg.o
$(BUILD)/tests/test_sqlsplit: tests/unit/test_sqlsplit.c $(BUILD)/daemon/sqlsplit.o \
	$(BUILD)/gen/sqlfiles.o
$(BUILD)/tests/test_safe: tests/unit/test_safe.c $(BUILD)/ctl/safe.o $(BUILD)/libanalytics.a
$(BUILD)/tests/test_args: tests/unit/test_args.c $(BUILD)/ctl/args.o $(BUILD)/ctl/render.o \
	$(BUILD)/ctl/table.o \
	$(BUILD)/ctl/metrics.o \
	$(BUILD)/libanalytics.a
$(BUILD)/tests/%:
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Idaemon -Ictl $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CTL_LIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka)

deps:
	sh tools/deps.sh install

# The Debian package (debian/): dpkg-buildpackage from a clean copy of the tracked
# files, lintian with no error, and as root installed, checked and purged.
package-check: all
	@DEPS_PACKAGING=1 sh tools/deps.sh check
	PACKAGE_INSTALL=1 BIN=$(BUILD) bash tests/integration/t_package.sh

# Tests always run sanitized binaries (build/san) so memory errors fail them,
# built with the test hooks; t_test_hooks also gets a build without them
# (PLAIN_BIN), which must ignore them. A short fuzzing run of the protocol
# codec comes first, so that the test summary stays the last line.
check:
	@sh tools/deps.sh check
	$(MAKE) BUILD=build/san SAN=1 TEST_HOOKS=1 all unit-bins
	$(MAKE) BUILD=build/san-plain SAN=1 all
	$(MAKE) fuzz FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS)
	PLAIN_BIN=build/san-plain bash tests/run.sh build/san

# libFuzzer (clang): fuzz_request on the request/reply codec, fuzz_dispatch on
# a real control connection through the daemon's framing, limits and command
# table (its main() renamed away). Each run's corpus grows in build/fuzz; make
# check runs each for CHECK_FUZZ_SECONDS, make fuzz for FUZZ_SECONDS.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 300
CHECK_FUZZ_SECONDS ?= 30
FUZZ_FLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -D_GNU_SOURCE -DANALYTICSD_VERSION=\"$(VERSION)\" -Iinclude
FUZZ_TARGETS := request dispatch config args render stream
CTL_FUZZ_SRC := ctl/args.c ctl/render.c ctl/table.c ctl/metrics.c ctl/safe.c $(LIB_SRC)

build/fuzz/fuzz_request: tests/fuzz/fuzz_request.c lib/proto.c include/analytics_proto.h
	@mkdir -p build/fuzz/corpus_request
	$(FUZZ_CC) $(FUZZ_FLAGS) $(shell $(PKG_CONFIG) --cflags jansson) -o $@ \
		tests/fuzz/fuzz_request.c lib/proto.c $(shell $(PKG_CONFIG) --libs jansson)

build/fuzz/fuzz_dispatch: tests/fuzz/fuzz_dispatch.c $(DAEMON_SRC) $(LIB_SRC) $(wildcard daemon/*.h) \
		include/analytics_proto.h build/gen/sqlfiles.c
	@mkdir -p build/fuzz/corpus_dispatch
	$(FUZZ_CC) $(FUZZ_FLAGS) -Dmain=analyticsd_main -Ibuild/gen -Idaemon $(PKG_CFLAGS) -o $@ \
		tests/fuzz/fuzz_dispatch.c $(DAEMON_SRC) $(LIB_SRC) build/gen/sqlfiles.c $(PKG_LIBS)

build/fuzz/fuzz_config: tests/fuzz/fuzz_config.c daemon/config.c daemon/util.c daemon/config.h
	@mkdir -p build/fuzz/corpus_config
	$(FUZZ_CC) $(FUZZ_FLAGS) -Idaemon $(PKG_CFLAGS) -o $@ \
		tests/fuzz/fuzz_config.c daemon/config.c daemon/util.c $(PKG_LIBS)

build/fuzz/fuzz_args: tests/fuzz/fuzz_args.c $(CTL_FUZZ_SRC) $(wildcard ctl/*.h)
	@mkdir -p build/fuzz/corpus_args
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ictl $(PKG_CFLAGS) -o $@ \
		tests/fuzz/fuzz_args.c $(CTL_FUZZ_SRC) $(CTL_LIBS)

build/fuzz/fuzz_render: tests/fuzz/fuzz_render.c $(CTL_FUZZ_SRC) $(wildcard ctl/*.h)
	@mkdir -p build/fuzz/corpus_render
	$(FUZZ_CC) $(FUZZ_FLAGS) -Ictl $(PKG_CFLAGS) -o $@ \
		tests/fuzz/fuzz_render.c $(CTL_FUZZ_SRC) $(CTL_LIBS)

build/fuzz/fuzz_stream: tests/fuzz/fuzz_stream.c daemon/stream.c daemon/agg.c daemon/stream.h \
		daemon/agg.h
	@mkdir -p build/fuzz/corpus_stream
	$(FUZZ_CC) $(FUZZ_FLAGS) -Idaemon $(PKG_CFLAGS) -o $@ \
		tests/fuzz/fuzz_stream.c daemon/stream.c daemon/agg.c $(PKG_LIBS)

fuzz: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@for t in $(FUZZ_TARGETS); do \
		echo "fuzz_$$t: $(FUZZ_SECONDS) s"; mkdir -p build/fuzz/corpus_$$t; \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp:print_suppressions=0 \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
			build/fuzz/corpus_$$t tests/fuzz/corpus_$$t 2>build/fuzz/fuzz_$$t.log || \
			{ tail -n 60 build/fuzz/fuzz_$$t.log; exit 1; }; \
		grep -E '^(Done|stat::number_of_executed_units)' build/fuzz/fuzz_$$t.log; \
	done

# The integration suite with the daemon under valgrind memcheck (plain -O2
# build; no sanitizers, which do not mix with valgrind). Slower: not part of
# make check, run by CI after it.
check-valgrind:
	@sh tools/deps.sh check
	$(MAKE) BUILD=build/hooks TEST_HOOKS=1 all
	$(MAKE) BUILD=build all
	sh tools/valgrind-bin.sh build/hooks build/hooks/vg
	sh tools/valgrind-bin.sh build build/vg
	VALGRIND_PLAIN_BUILD=build/hooks PLAIN_BIN=build/vg bash tests/run.sh build/hooks/vg

# The Citus suite (tests/citus/, docs/SCALE-OUT.md): a coordinator and two workers of an
# installed Citus (tools/citus-build.sh); without one it says why and skips.
check-citus:
	@sh tools/deps.sh check
	$(MAKE) BUILD=build/san SAN=1 TEST_HOOKS=1 all
	sh tests/citus/run.sh build/san

unit-bins: $(UNIT_TESTS)

# The first command on a fresh machine: it installs what is missing (as root, or
# through sudo), as make deps does. make check and make bench only say what is.
demo:
	@sh tools/deps.sh install
	$(MAKE) all
	bash tools/demo.sh $(BUILD)

# The performance benchmark (docs/BENCHMARKS.md): a private cluster, generated data,
# every figure as a ratio. Not part of make check. BENCH_SCALE, BENCH_REPS: bench/run.sh.
bench:
	@sh tools/deps.sh check
	$(MAKE) BUILD=build/hooks TEST_HOOKS=1 all
	bash bench/run.sh build/hooks

# The soak (docs/RELIABILITY.md, "Soak"): an hour of writes and hostile readers against a
# daemon in follow mode, sampled every minute. SOAK_S, SOAK_SCALE, ...: bench/soak.sh.
soak:
	@sh tools/deps.sh check
	$(MAKE) all
	bash bench/soak.sh $(BUILD)

# Everything under PREFIX, systemd's files included (systemd reads /usr/local/lib/systemd,
# /usr/local/lib/sysusers.d and /usr/local/lib/tmpfiles.d too); a package that must put its
# units elsewhere says so (debian/rules: UNITDIR=/lib/systemd/system). The documentation
# the man pages name goes to DOCDIR, and they are rewritten to name it.
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DOCDIR     ?= $(PREFIX)/share/doc/analyticsd
UNITS      := $(wildcard units/*.service units/*.socket units/*.timer)
MANPAGES   := man/analyticsd.8 man/analyticsctl.8 man/analyticsd.conf.5
DOCS       := README.md NEWS docs/METRICS.md docs/CAPTURE.md docs/RELIABILITY.md docs/BENCHMARKS.md \
              docs/alerts.yml
JSON_DOCS  := $(wildcard docs/json/*.json) docs/json/README.md docs/json/validate.py
PATHS_SED  := -e 's|/usr/sbin/analyticsd|$(SBINDIR)/analyticsd|g' \
              -e 's|/usr/bin/analyticsctl|$(BINDIR)/analyticsctl|g' \
              -e 's|/etc/analyticsd|$(SYSCONFDIR)/analyticsd|g' \
              -e 's|/usr/share/doc/analyticsd|$(DOCDIR)|g'

# Units and man pages name /usr/sbin, /usr/bin, /etc and /usr/share/doc; rewritten here
# for other places.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(CATALOGDIR) $(DESTDIR)$(COMPLETIONDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/analyticsd \
		$(DESTDIR)$(DOCDIR)/json $(DESTDIR)$(DOCDIR)/examples
	install -m 0755 $(BUILD)/analyticsd $(DESTDIR)$(SBINDIR)/analyticsd
	install -m 0755 $(BUILD)/analyticsctl $(DESTDIR)$(BINDIR)/analyticsctl
	for f in $(UNITS) $(MANPAGES); do \
		case $$f in man/*.8) d=$(MANDIR)/man8 ;; man/*.5) d=$(MANDIR)/man5 ;; *) d=$(UNITDIR) ;; esac; \
		sed $(PATHS_SED) $$f >$(DESTDIR)$$d/$$(basename $$f) || exit 1; \
		chmod 0644 $(DESTDIR)$$d/$$(basename $$f); \
	done
	install -m 0644 units/analyticsd.sysusers $(DESTDIR)$(SYSUSERSDIR)/analyticsd.conf
	install -m 0644 units/analyticsd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/analyticsd.conf
	install -m 0644 catalog/analyticsd.catalog $(DESTDIR)$(CATALOGDIR)/analyticsd.catalog
	install -m 0644 completion/analyticsctl.bash $(DESTDIR)$(COMPLETIONDIR)/analyticsctl
	install -m 0644 $(DOCS) $(DESTDIR)$(DOCDIR)/
	install -m 0644 $(JSON_DOCS) $(DESTDIR)$(DOCDIR)/json/
	install -m 0644 etc/analyticsd.conf.example $(DESTDIR)$(DOCDIR)/examples/analyticsd.conf
	@# The configuration the unit reads: installed once, never over an edited one; 0640,
	@# root's, the daemon's group's once that exists (systemd-sysusers; the package's
	@# postinst does the same).
	if [ ! -e $(DESTDIR)$(SYSCONFDIR)/analyticsd/analyticsd.conf ]; then \
		install -m 0640 etc/analyticsd.conf.example $(DESTDIR)$(SYSCONFDIR)/analyticsd/analyticsd.conf; \
		if [ -z "$(DESTDIR)" ] && getent group analyticsd >/dev/null; then \
			chgrp analyticsd $(SYSCONFDIR)/analyticsd/analyticsd.conf; \
		fi; \
	fi

# What install put there, with the same variables; the configuration stays if it was
# edited (as a package's remove keeps it), and so do the users, groups and the database.
uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/analyticsd $(DESTDIR)$(BINDIR)/analyticsctl \
		$(UNITS:units/%=$(DESTDIR)$(UNITDIR)/%) $(DESTDIR)$(SYSUSERSDIR)/analyticsd.conf \
		$(DESTDIR)$(TMPFILESDIR)/analyticsd.conf $(DESTDIR)$(CATALOGDIR)/analyticsd.catalog \
		$(DESTDIR)$(COMPLETIONDIR)/analyticsctl $(DESTDIR)$(MANDIR)/man8/analyticsd.8 \
		$(DESTDIR)$(MANDIR)/man8/analyticsctl.8 $(DESTDIR)$(MANDIR)/man5/analyticsd.conf.5
	rm -rf $(DESTDIR)$(DOCDIR)
	if cmp -s etc/analyticsd.conf.example $(DESTDIR)$(SYSCONFDIR)/analyticsd/analyticsd.conf; then \
		rm -f $(DESTDIR)$(SYSCONFDIR)/analyticsd/analyticsd.conf; \
		rmdir $(DESTDIR)$(SYSCONFDIR)/analyticsd 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/analyticsd/analyticsd.conf ]; then \
		echo "uninstall: $(DESTDIR)$(SYSCONFDIR)/analyticsd/analyticsd.conf was edited: kept"; \
	fi

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
