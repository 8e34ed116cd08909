# kube-firstboot — see README.md. `make`, `make check`, `make asan`, `make install`.
VERSION    := 0.1.0
PREFIX     ?= /usr
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DESTDIR    ?=
BUILDDIR   ?= build

CC         ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS     ?= -O2 -g
AGENT_DEPS := yaml-0.1 blkid libcurl libcrypto json-c
SERVER_DEPS := libmicrohttpd yaml-0.1 libcrypto json-c

# Warnings that gcc 4.8 (CentOS 7) and gcc 12 (Debian 12) both know.
WARNINGS := -Wall -Wextra -Wformat=2 -Wformat-security -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wmissing-declarations -Wold-style-definition -Wwrite-strings -Wundef \
	-Wvla -Wredundant-decls -Wnested-externs -Wcast-align -Winit-self -Wno-unused-parameter \
	-Wno-missing-field-initializers -Werror=implicit-function-declaration -Werror=return-type

BASE_CFLAGS := -std=gnu99 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' $(WARNINGS) \
	-Ifirstboot/lib -Ifirstboot/agent -fno-strict-aliasing -fstack-protector-strong -D_FORTIFY_SOURCE=2
ALL_CFLAGS  = $(BASE_CFLAGS) $(shell $(PKG_CONFIG) --cflags $(AGENT_DEPS)) $(CFLAGS) $(EXTRA_CFLAGS)
AGENT_LIBS  = $(shell $(PKG_CONFIG) --libs $(AGENT_DEPS))
LDFLAGS    ?=

LIB_SRC    := $(sort $(wildcard firstboot/lib/*.c))
AGENT_SRC  := $(sort $(filter-out firstboot/agent/main.c,$(wildcard firstboot/agent/*.c)))
SERVER_SRC := $(sort $(wildcard firstboot/server/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test-*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz-*.c))

LIB_OBJ    := $(LIB_SRC:%.c=$(BUILDDIR)/%.o)
AGENT_OBJ  := $(AGENT_SRC:%.c=$(BUILDDIR)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILDDIR)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILDDIR)/tests/%)
# Fuzz targets built with the normal compiler and a replay main(), so `make check` replays corpora.
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILDDIR)/tests/replay-%)

AGENT      := $(BUILDDIR)/kube-firstboot
SERVER     := $(BUILDDIR)/kube-firstboot-server

.PHONY: all agent server check unit integration asan install clean deps-check lint fuzz
all: agent $(if $(SERVER_SRC),server)
agent: $(AGENT)
server: $(SERVER)

# `make V=1` shows the full command lines.
Q := $(if $(V),,@)
$(BUILDDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILDDIR)/libfirstboot.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILDDIR)/libagent.a: $(AGENT_OBJ)
	rm -f $@ && ar rcs $@ $^

$(AGENT): $(BUILDDIR)/firstboot/agent/main.o $(BUILDDIR)/libagent.a $(BUILDDIR)/libfirstboot.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS)

$(SERVER): $(SERVER_OBJ) $(BUILDDIR)/libfirstboot.a
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(shell $(PKG_CONFIG) --libs $(SERVER_DEPS))
$(SERVER_OBJ): ALL_CFLAGS += -Ifirstboot/server $(shell $(PKG_CONFIG) --cflags libmicrohttpd)

$(BUILDDIR)/tests/test-%: tests/unit/test-%.c $(BUILDDIR)/libagent.a $(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(BUILDDIR)/tests/replay-%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILDDIR)/libagent.a $(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS)

# ---- tests -------------------------------------------------------------------------------------
# tests/run-tests.sh runs the unit tests, the fuzz corpora replays and every integration script, and
# ends with the plain "N passed, N failed" line.
check: deps-check all $(UNIT_BIN) $(REPLAY_BIN)
	BUILDDIR=$(abspath $(BUILDDIR)) tests/run-tests.sh $(TESTS)

unit: $(UNIT_BIN)
	BUILDDIR=$(abspath $(BUILDDIR)) tests/run-tests.sh unit

deps-check:
	@tests/install-deps.sh

asan:
	$(MAKE) BUILDDIR=build-asan CC=gcc CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

# ---- install -----------------------------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(AGENT) $(DESTDIR)$(BINDIR)/kube-firstboot
	$(if $(SERVER_SRC),install -m 0755 $(SERVER) $(DESTDIR)$(BINDIR)/kube-firstboot-server)
	install -m 0644 docs/kube-firstboot.8 $(DESTDIR)$(MANDIR)/man8/kube-firstboot.8

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILDDIR) -name '*.d' 2>/dev/null)
