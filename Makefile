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
# libcurl and libcrypto are dlopen()ed (firstboot/lib/{curl,crypto}-dl.c): their headers are needed at
# build time, their libraries only by the runs that use them. Tests link libcrypto for their own checks.
# The libcrypto of the headers the build uses (pkg-config's, as for every other library; the compiler's
# own search path otherwise), so that a build against another OpenSSL loads that one first.
CRYPTO_SONAME := $(shell d=$$($(PKG_CONFIG) --variable=libdir libcrypto 2>/dev/null); f=$${d:+$$d/libcrypto.so}; \
	[ -e "$$f" ] || f=$$($(CC) -print-file-name=libcrypto.so); \
	readelf -d "$$f" 2>/dev/null | sed -n 's/.*soname: \[\(.*\)\]/\1/p')
AGENT_LINK_DEPS := yaml-0.1 blkid json-c
SERVER_DEPS := libmicrohttpd yaml-0.1 libcrypto json-c

# Warnings that gcc 4.8 (CentOS 7) and gcc 12 (Debian 12) both know.
WARNINGS := -Wall -Wextra -Wformat=2 -Wformat-security -Wshadow -Wpointer-arith -Wstrict-prototypes \
	-Wmissing-prototypes -Wmissing-declarations -Wold-style-definition -Wwrite-strings -Wundef \
	-Wvla -Wredundant-decls -Wnested-externs -Wcast-align -Winit-self -Wno-unused-parameter \
	-Wno-missing-field-initializers -Werror=implicit-function-declaration -Werror=return-type

BASE_CFLAGS := -std=gnu99 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' $(WARNINGS) \
	-fno-strict-aliasing -fstack-protector-strong -D_FORTIFY_SOURCE=2
# Each $(shell) runs once, here, not once per object.
DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(AGENT_DEPS))
AGENT_LIBS  := $(shell $(PKG_CONFIG) --libs $(AGENT_LINK_DEPS)) -ldl
MHD_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libmicrohttpd)
SERVER_LIBS := $(shell $(PKG_CONFIG) --libs $(SERVER_DEPS))
TEST_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka libcrypto)
CRYPTO_LIBS := $(shell $(PKG_CONFIG) --libs libcrypto)
# Include paths per directory: lib/ sees only itself; the agent and the seed generator see lib/ and the
# agent's stage folders; the server sees lib/ and itself. Tests see what the code they test sees.
LIB_INCLUDES    := -Ifirstboot/lib
AGENT_INCLUDES  := -Ifirstboot/lib -Ifirstboot/agent -Ifirstboot/seedgen
SERVER_INCLUDES := -Ifirstboot/lib -Ifirstboot/server
ALL_CFLAGS  = $(BASE_CFLAGS) $(INCLUDES) $(if $(CRYPTO_SONAME),-DCRYPTO_SONAME='"$(CRYPTO_SONAME)"') \
	$(DEPS_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS    ?=

LIB_SRC    := $(sort $(wildcard firstboot/lib/*.c))
# The agent: its stages in folders (seed/, config/, plan/, host/, role/, join/, report/, seed/fs/), and the
# seed generator, which the agent runs as `kube-firstboot seed`.
AGENT_DIRS := $(sort $(dir $(wildcard firstboot/agent/*/ firstboot/agent/*/*/)))
AGENT_SRC  := $(sort $(wildcard firstboot/agent/*.c $(addsuffix *.c,$(AGENT_DIRS)) firstboot/seedgen/*.c))
AGENT_SRC  := $(filter-out firstboot/agent/main.c,$(AGENT_SRC))
# ar keeps members by file name: two sources with one name would silently drop one from the archive.
ifneq ($(words $(sort $(notdir $(AGENT_SRC)))),$(words $(AGENT_SRC)))
$(error two agent sources share a file name: $(sort $(notdir $(AGENT_SRC))))
endif
SERVER_SRC := $(sort $(wildcard firstboot/server/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test-*.c))
# The unit tests' own helpers (tests/unit/*.c not named test-*, e.g. log-capture.c): linked into each test.
UNIT_HELPER_SRC := $(filter-out $(UNIT_SRC),$(sort $(wildcard tests/unit/*.c)))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz-*.c))

LIB_OBJ    := $(LIB_SRC:%.c=$(BUILDDIR)/%.o)
AGENT_OBJ  := $(AGENT_SRC:%.c=$(BUILDDIR)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILDDIR)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILDDIR)/tests/%)
UNIT_HELPER_OBJ := $(UNIT_HELPER_SRC:%.c=$(BUILDDIR)/%.o)
# made only for the unit tests' pattern rule: kept, not removed as intermediate files
.SECONDARY: $(UNIT_HELPER_OBJ)
# Fuzz targets built with the normal compiler and a replay main(), so `make check` replays corpora.
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILDDIR)/tests/replay-%)

AGENT      := $(BUILDDIR)/kube-firstboot
SERVER     := $(BUILDDIR)/kube-firstboot-server

.PHONY: all agent server check check-abi check-kubeadm print-link-libs check-vm unit asan install clean deps-check
all: agent $(if $(SERVER_SRC),server)
agent: $(AGENT)
server: $(SERVER)

# `make V=1` shows the full command lines.
Q := $(if $(V),,@)
$(BUILDDIR)/firstboot/lib/%.o: INCLUDES = $(LIB_INCLUDES)
$(BUILDDIR)/firstboot/agent/%.o $(BUILDDIR)/firstboot/seedgen/%.o: INCLUDES = $(AGENT_INCLUDES)
$(BUILDDIR)/firstboot/server/%.o: INCLUDES = $(SERVER_INCLUDES) $(MHD_CFLAGS)
$(BUILDDIR)/tests/%: INCLUDES = $(AGENT_INCLUDES)
$(BUILDDIR)/fuzz/%: INCLUDES = $(AGENT_INCLUDES)
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
	$(CC) $(CFLAGS) $(EXTRA_CFLAGS) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS)

$(BUILDDIR)/tests/test-%: tests/unit/test-%.c $(UNIT_HELPER_OBJ) $(BUILDDIR)/libagent.a $(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS) $(TEST_LIBS)

# The server's unit tests (tests/unit/test-server-*.c) see what the server sees and link its objects
# without its main() (libserver.a, below) and its libraries.
$(BUILDDIR)/tests/test-server-%: INCLUDES = $(SERVER_INCLUDES) $(MHD_CFLAGS)
$(BUILDDIR)/tests/test-server-%: tests/unit/test-server-%.c $(UNIT_HELPER_OBJ) $(BUILDDIR)/libserver.a $(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SERVER_LIBS) $(TEST_LIBS)

$(BUILDDIR)/tests/replay-%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILDDIR)/libagent.a $(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS)

# ---- tests -------------------------------------------------------------------------------------
# tests/run-tests.sh runs the unit tests, the fuzz corpora replays and every integration script, and
# ends with the plain "N passed, N failed" line.
check: deps-check all $(UNIT_BIN) $(REPLAY_BIN)
	BUILDDIR=$(abspath $(BUILDDIR)) tests/run-tests.sh $(TESTS)

# `make check-abi` (also part of `make check`): every symbol the programs and unit tests import, and every
# name resolved with dlsym() (firstboot/lib/dl-symbols.h), against what CentOS 7.9's libraries export
# (../shared/el7-abi, or KFB_EL7_ABI=DIR); gcc 4.8 and kernel 3.10 misfits in the sources; libcurl's
# symbols against libcurl 7.29.0 (tests/abi/check-abi.py, tests/integration/test-{abi,curl-symbols}.sh).
check-abi: deps-check all $(UNIT_BIN)
	BUILDDIR=$(abspath $(BUILDDIR)) tests/run-tests.sh integration/test-abi integration/test-curl-symbols
# The link flags of each program, for the ABI check (a glibc 2.17 function outside libc needs its -l).
print-link-libs:
	@echo $(if $(filter server,$(PROGRAM)),$(SERVER_LIBS),$(AGENT_LIBS))

# `make check-kubeadm KUBEADM=/path/to/kubeadm [KUBELET=/path/to/kubelet]` (opt-in): every configuration
# and command line the agent renders, for every seed set of tests/data/seeds/ and both roles, replayed against a
# real kubeadm 1.23 in namespaces (init and join dry runs, join discovery against a fake API server, the
# CA pin, token create, images list: tests/kubeadm/check-kubeadm.sh). Without KUBEADM it says it did not
# run. KUBELET: default `kubelet` beside KUBEADM (preflight's KubeletVersion check runs it).
KUBEADM ?=
KUBELET ?=
$(BUILDDIR)/tests/kubeadm-pin: tests/kubeadm/pin.c $(BUILDDIR)/libagent.a $(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS)
check-kubeadm: $(if $(KUBEADM),deps-check all $(BUILDDIR)/tests/kubeadm-pin)
	BUILDDIR=$(abspath $(BUILDDIR)) KUBEADM="$(KUBEADM)" KUBELET="$(KUBELET)" tests/kubeadm/check-kubeadm.sh

# The VM end-to-end test (tests/vm/) alone: a Debian guest image and four qemu guests (also in `make check`).
# KUBERNETES=DIR [KUBERNETES_IMAGES=DIR2]: with a real Kubernetes release, as `make lab` takes it.
check-vm: deps-check all
	BUILDDIR=$(abspath $(BUILDDIR)) KUBERNETES="$(KUBERNETES)" KUBERNETES_IMAGES="$(KUBERNETES_IMAGES)" tests/run-tests.sh vm

unit: $(UNIT_BIN)
	BUILDDIR=$(abspath $(BUILDDIR)) tests/run-tests.sh unit

deps-check:
	@tools/install-deps.sh

asan:
	ASAN_OPTIONS=verify_asan_link_order=0 $(MAKE) BUILDDIR=build-asan CC=gcc CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

# ---- proof: fuzzing, valgrind, static analysis, benchmarks (docs/reliability.md) ---------------
# The server's objects without its main(), for the server fuzz target and unit tests.
SERVER_LIB_OBJ := $(filter-out %/server-main.o,$(SERVER_OBJ))
SERVER_FUZZ_LIBS = $(SERVER_LIBS)
$(BUILDDIR)/tests/replay-fuzz-server-route $(BUILDDIR)/fuzz/fuzz-server-route: INCLUDES = $(SERVER_INCLUDES) $(MHD_CFLAGS)
$(BUILDDIR)/libserver.a: $(SERVER_LIB_OBJ)
	$(if $(Q),@echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILDDIR)/tests/replay-fuzz-server-route: tests/fuzz/fuzz-server-route.c tests/fuzz/replay.c $(BUILDDIR)/libserver.a \
		$(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(SERVER_FUZZ_LIBS)
# fuzz-joinrecord seals plaintexts itself, with libcrypto linked (the agent loads it with dlopen()).
$(BUILDDIR)/tests/replay-fuzz-joinrecord: tests/fuzz/fuzz-joinrecord.c tests/fuzz/replay.c $(BUILDDIR)/libagent.a \
		$(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS) $(CRYPTO_LIBS)

# `make fuzz`: every target built with clang's libFuzzer, ASan and UBSan into build-fuzz/, then run for
# FUZZ_SECONDS each from a copy of its corpus (tests/fuzz/run-fuzz.sh prints executions and crashes).
# FUZZ_TARGETS=joinrecord,state picks some; FUZZ_JOBS=2 runs two at once.
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_TARGETS ?=
fuzz_comma   := ,
FUZZ_CC      ?= clang
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILDDIR)/fuzz/%)
$(BUILDDIR)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(BUILDDIR)/libagent.a $(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(AGENT_LIBS) $(CRYPTO_LIBS)
$(BUILDDIR)/fuzz/fuzz-server-route: tests/fuzz/fuzz-server-route.c $(BUILDDIR)/libserver.a $(BUILDDIR)/libfirstboot.a
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $^ $(SERVER_FUZZ_LIBS)
fuzz-build: $(FUZZ_BIN)
fuzz:
	$(MAKE) BUILDDIR=build-fuzz CC=$(FUZZ_CC) CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) tests/fuzz/run-fuzz.sh build-fuzz $(subst $(fuzz_comma), ,$(FUZZ_TARGETS))

# `make valgrind`: integration tests with the agent (KFB_AGENT_WRAPPER, tests/lib/common.sh) and the
# server (SERVER_WRAPPER, tests/lib/server.sh) under memcheck; any error or leak fails the test.
# VALGRIND_TESTS: run-tests.sh filters (default: the subset .ci/run can afford, see there).
VALGRIND_TESTS ?= show-seed host-steps lab-netns-server server-longpoll server-config server-http server-seed-access seed-http
VALGRIND_CMD   := valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect
valgrind: all
	KFB_AGENT_WRAPPER="$(VALGRIND_CMD)" SERVER_WRAPPER="$(VALGRIND_CMD)" \
	  BUILDDIR=$(abspath $(BUILDDIR)) tests/run-tests.sh $(VALGRIND_TESTS)

# `make lint`: cppcheck and clang's scan-build over the agent and the server, shellcheck over every
# shell script, and no call of a banned function in firstboot/ (tools/lint.sh; cppcheck's suppressions
# are justified in tools/cppcheck.supp, each banned function's reason is in tools/banned-functions.txt).
lint:
	tools/lint.sh

# `make bench`: scripts that print figures (docs/performance.md), not tests.
bench: all
	BUILDDIR=$(abspath $(BUILDDIR)) bench/agent.sh
	BUILDDIR=$(abspath $(BUILDDIR)) bench/join-latency.sh
	BUILDDIR=$(abspath $(BUILDDIR)) bench/server.sh

.PHONY: fuzz fuzz-build valgrind lint bench
# ---- end of the proof section -------------------------------------------------------------------

# ---- install -----------------------------------------------------------------------------------
# Units name /usr/bin and /etc: installed with BINDIR and SYSCONFDIR put in (identical by default).
install: all
	@grep -qF '$(PKGDATADIR)/kube-flannel.yml.in' $(AGENT) || { echo "$(AGENT) was built for another" \
	  "DATADIR than $(DATADIR): build with the same PREFIX/DATADIR as install (or another BUILDDIR)" >&2; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PKGDATADIR) \
	  $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/kube-firstboot
	install -d -m 0755 $(DESTDIR)$(LOCALSTATEDIR)/lib/kube-firstboot
	install -m 0755 $(AGENT) $(DESTDIR)$(BINDIR)/kube-firstboot
	install -m 0644 docs/kube-firstboot.8 $(DESTDIR)$(MANDIR)/man8/kube-firstboot.8
	for u in $(AGENT_UNITS) $(if $(SERVER_SRC),$(SERVER_UNIT)); do \
	  $(UNIT_SUBST) $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done
	install -m 0644 firstboot/data/kube-flannel.yml.in $(DESTDIR)$(PKGDATADIR)/kube-flannel.yml.in
	install -m 0644 README.md $(wildcard docs/*.md) $(DESTDIR)$(DOCDIR)/
	$(if $(SERVER_SRC),install -m 0755 $(SERVER) $(DESTDIR)$(BINDIR)/kube-firstboot-server)
	$(if $(SERVER_SRC),install -m 0644 docs/kube-firstboot-server.8 $(DESTDIR)$(MANDIR)/man8/kube-firstboot-server.8)
	$(if $(SERVER_SRC),install -m 0644 firstboot/server/server.yaml.example \
	  $(DESTDIR)$(SYSCONFDIR)/kube-firstboot/server.yaml.example)
	$(if $(SERVER_SRC),install -d -m 0700 $(DESTDIR)$(LOCALSTATEDIR)/lib/kube-firstboot-server)
	$(if $(SERVER_SRC),install -D -m 0644 kickstart/kube-firstboot.ks \
	  $(DESTDIR)$(DATADIR)/kube-firstboot-server/ks/kube-firstboot.ks)

clean:
	rm -rf build build-asan build-fuzz

# Only our own objects' dependency files: BUILDDIR also holds the test image's root (/etc/init.d, ...).
-include $(patsubst %.o,%.d,$(LIB_OBJ) $(AGENT_OBJ) $(SERVER_OBJ) $(BUILDDIR)/firstboot/agent/main.o $(UNIT_HELPER_OBJ))

# ---- packaging: install paths, dist, rpm, image ------------------------------------------------
LOCALSTATEDIR ?= /var
PKGDATADIR    ?= $(DATADIR)/kube-firstboot
DOCDIR        ?= $(DATADIR)/doc/kube-firstboot
AGENT_UNITS   := firstboot/units/kube-firstboot.service firstboot/units/kube-firstboot-refresh.service \
	firstboot/units/kube-firstboot-refresh.timer
SERVER_UNIT   := firstboot/server/kube-firstboot-server.service
UNIT_SUBST     = sed -e 's|/usr/bin/kube-firstboot|$(BINDIR)/kube-firstboot|g' \
	-e 's|/etc/kube-firstboot/|$(SYSCONFDIR)/kube-firstboot/|g'
# The agent reads the flannel manifest where `make install` puts it (firstboot/agent/role/role.h).
ALL_CFLAGS    += -DPKGDATADIR='"$(PKGDATADIR)"'

# `make dist`: BUILDDIR/kube-firstboot-VERSION.tar.gz, every file git knows or would add (tracked, and
# untracked but not ignored), under one top directory; owner, mtime and order fixed, so two runs on the
# same tree give the same bytes. Outside a git checkout (an unpacked tarball): every file but builds.
DIST_NAME := kube-firstboot-$(VERSION)
DIST      := $(BUILDDIR)/$(DIST_NAME).tar.gz
dist: SHELL := /bin/bash
dist:
	@mkdir -p $(BUILDDIR)
	$(Q)set -o pipefail; \
	epoch=$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || echo 0)}; \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git ls-files -z --cached --others --exclude-standard; \
	else \
	  find . \( -name 'build' -o -name 'build-*' -o -name lab -o -name .git \) -prune -o \( -type f -o -type l \) \
	    -printf '%P\0'; \
	fi | while IFS= read -r -d '' f; do if [ -e "$$f" ] || [ -L "$$f" ]; then printf '%s\0' "$$f"; fi; done | \
	  LC_ALL=C sort -z | \
	  tar --create --no-recursion --null --files-from=- --owner=0 --group=0 --numeric-owner \
	    --mtime=@$$epoch --transform 's,^,$(DIST_NAME)/,S' --file=- | gzip -9n >$(DIST).tmp
	$(Q)mv $(DIST).tmp $(DIST)
	@echo "  DIST    $(DIST)"

# `make rpm`: binary and source RPMs from the dist tarball with rpmbuild, into BUILDDIR/rpmbuild/
# {RPMS,SRPMS}, built by the spec's own make (no variable of this make passed on: `make asan rpm`
# must not package sanitizer builds). --nodeps: on Debian, rpm's database is empty, so the spec's
# BuildRequires (CentOS 7 package names) cannot be checked; the Debian packages tools/install-deps.sh
# installs provide them. These RPMs are for Debian-side checks (test-rpm.sh); `make image` rebuilds
# the source RPM for el7 inside a CentOS 7 guest.
RPM_TOPDIR   = $(abspath $(BUILDDIR))/rpmbuild
SPEC_VERSION = $(shell sed -n 's/^Version:[[:space:]]*//p' rpm/kube-firstboot.spec)
rpm: dist
	@[ "$(SPEC_VERSION)" = "$(VERSION)" ] || \
	  { echo "rpm/kube-firstboot.spec has Version $(SPEC_VERSION), the Makefile $(VERSION)" >&2; exit 1; }
	rm -rf $(RPM_TOPDIR) && mkdir -p $(RPM_TOPDIR)/SOURCES
	cp $(DIST) $(RPM_TOPDIR)/SOURCES/
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL rpmbuild -ba --nodeps --define '_topdir $(RPM_TOPDIR)' \
	  rpm/kube-firstboot.spec

# `make image`: the lab's CentOS 7 qcow2 (image/build-centos7.sh; needs virt-customize, skopeo and the
# CentOS, docker and kubernetes mirrors, so it is not part of `make check`, which runs its --dry-run).
IMAGE_OUT   ?= $(BUILDDIR)/image/kube-firstboot-centos7.qcow2
IMAGE_FLAGS ?=
image: rpm
	image/build-centos7.sh --srpm-dir $(RPM_TOPDIR)/SRPMS --out $(IMAGE_OUT) $(IMAGE_FLAGS)

.PHONY: dist rpm image
# ---- end of the packaging section ---------------------------------------------------------------

# ---- the VM lab: image/debian/build-test-image.sh, image/lab.sh ---------------------------------
# `make image-test`: the Debian 12 test guest in build/image-test/ (debootstrap cached outside the tree).
# `make lab` boots the reference lab in qemu and leaves it running; `make lab-down` removes it.
image-test: all
	image/debian/build-test-image.sh --builddir $(BUILDDIR)
lab: all
	BUILDDIR=$(abspath $(BUILDDIR)) KUBERNETES="$(KUBERNETES)" KUBERNETES_IMAGES="$(KUBERNETES_IMAGES)" image/lab.sh up
lab-down:
	BUILDDIR=$(abspath $(BUILDDIR)) image/lab.sh down

.PHONY: image-test lab lab-down
# ---- end of the VM lab section ------------------------------------------------------------------
