# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make test       install missing build packages (as root), build, run every test
# make sanitize   unit + stress tests under ASan+UBSan and under TSan
# make ablations  the test-only build with protocol rules switchable; ablation tests
# make bench      release build, then bench/fastpath, bench/peers, bench/scaling and
#                 bench/latency.py (modelled latency against the number of instances)
# make bench-report  the same runs drawn into docs/perf/*.png (python3-matplotlib)
# make run        build, then `invtrack run` on the default scenario (about 10 s)
# make fuzz       clang build of the libFuzzer harnesses, each run FUZZ_SECONDS (default 60)
# make soak       `invtrack run` over and over, fresh seeds, for SECONDS (default 60)
# make kernel     invtrack.ko against Debian 12's linux-headers-amd64, W=1, no warning allowed
# make kunit      the KUnit suites in a UML kernel from linux-source-6.1 (KASAN, lockdep);
#                 the kernel build is cached outside the tree (see kernel/kunit.sh)

BUILD ?= build
MESON_FLAGS ?=
PACKAGES := gcc meson ninja-build pkg-config liburcu-dev libcmocka-dev python3-jsonschema
# gcc-multilib: the i386 (-m32) build of the viommu event-queue test, on x86_64 hosts
# (without it that test skips).
PACKAGES += $(if $(filter x86_64,$(shell uname -m)),gcc-multilib)
SAN_STRESS_SECONDS ?= 3
# The Python that has Debian's python3-matplotlib (bench-report).
PYTHON ?= python3
# A literal comma, for $(call) arguments that contain one.
comma := ,

KERNEL_PACKAGES := linux-headers-amd64 make gcc libc6-dev kmod
KUNIT_PACKAGES := linux-source-6.1 make gcc libc6-dev bc bison flex python3 xz-utils
KBUILD_DIR ?= build-kernel
# The headers linux-headers-amd64 depends on (Debian 12: linux-headers-6.1.0-N-amd64).
KDIR_CMD = dpkg-query -W -f='$${Depends}' linux-headers-amd64 | \
	sed -n 's|^\(linux-headers-[^ ,]*\).*|/usr/src/\1|p'

.PHONY: all deps build test sanitize asan tsan ablations bench bench-report run fuzz soak clean \
	kernel kernel-deps kunit kunit-deps need-packages

all: build

deps:
	@$(MAKE) --no-print-directory need-packages NEED="$(PACKAGES)"

kernel-deps:
	@$(MAKE) --no-print-directory need-packages NEED="$(KERNEL_PACKAGES)"

kunit-deps:
	@$(MAKE) --no-print-directory need-packages NEED="$(KUNIT_PACKAGES)"

# Install the packages in $(NEED) that are missing (as root), or say how.
need-packages:
	@missing=""; \
	for p in $(NEED); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || \
			missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing:$$missing"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -q && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
		else \
			echo "missing build packages; run as root:"; \
			echo "  apt-get install -y$$missing"; \
			exit 1; \
		fi; \
	fi

# $(1): build directory, $(2): meson options
define setup
	@if [ ! -f $(1)/build.ninja ]; then meson setup $(1) $(2); fi
	ninja -C $(1)
endef

build: deps
	$(call setup,$(BUILD),$(MESON_FLAGS))

test: build
	meson test -C $(BUILD) --print-errorlogs

asan: deps
	$(call setup,build-asan,-Db_sanitize=address$(comma)undefined -Db_lundef=false \
		-Dstress_seconds=$(SAN_STRESS_SECONDS))
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-asan --print-errorlogs --suite unit --suite stress --suite model \
		--suite bench

tsan: deps
	$(call setup,build-tsan,-Db_sanitize=thread -Db_lundef=false \
		-Dstress_seconds=$(SAN_STRESS_SECONDS))
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
		setarch $$(uname -m) -R meson test -C build-tsan --print-errorlogs \
		--suite unit --suite stress --suite model

sanitize: asan tsan

ablations: deps
	$(call setup,build-ablations,-Dablations=true)
	meson test -C build-ablations --print-errorlogs

bench: deps
	$(call setup,build-release,--buildtype=release)
	./build-release/bench/fastpath
	./build-release/bench/peers
	./build-release/bench/scaling
	python3 bench/latency.py ./build-release/tools/invtrack

# Debian's matplotlib is for Debian's python3: when $(PYTHON) is another one
# (pyenv, a venv) without it, /usr/bin/python3 draws the pictures.
bench-report: deps
	@if ! $(PYTHON) -c 'import matplotlib' 2>/dev/null && \
	    ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
				python3-matplotlib; \
		else \
			echo "bench-report needs matplotlib; run as root:"; \
			echo "  apt-get install -y python3-matplotlib"; \
			exit 1; \
		fi; \
	fi
	$(call setup,build-release,--buildtype=release)
	@py=$(PYTHON); $$py -c 'import matplotlib' 2>/dev/null || py=/usr/bin/python3; \
		echo "$$py bench/report.py build-release docs/perf"; \
		$$py bench/report.py build-release docs/perf

# The fuzzers build apart from the gcc builds: clang, -Dfuzz=true (coverage
# instrumentation for libFuzzer), ASan+UBSan, in build-fuzz; only the
# harnesses are built (ninja target 'fuzzers').
FUZZ_SECONDS ?= 60
fuzz: PACKAGES += clang
fuzz: deps
	@if [ ! -f build-fuzz/build.ninja ]; then \
		CC=clang meson setup build-fuzz -Dfuzz=true \
			-Db_sanitize=address,undefined -Db_lundef=false; fi
	ninja -C build-fuzz fuzzers
	tests/fuzz/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS)

# Every architecture, threaded and inline, rotating scenario shapes, a fresh
# seed per run; failures keep their seed and replay command in $(BUILD)/soak.
# ACCESSES=N stops once N accesses were checked (SECONDS=0: no time limit).
SECONDS ?= 60
ACCESSES ?= 0
soak: build
	python3 tools/soak.py --invtrack $(BUILD)/tools/invtrack --seconds $(SECONDS) \
		--accesses $(ACCESSES) --out $(BUILD)/soak

# make run ARGS="--seconds 3 --json": options of `invtrack run` (see invtrack run --help).
ARGS ?=
run: build
	./$(BUILD)/tools/invtrack run $(ARGS)

# Out of tree: $(KBUILD_DIR) holds links to the sources (kernel/link-tree.sh) and the objects.
# The BTF step needs the kernel's vmlinux, which headers packages do not ship: skipped.
kernel: kernel-deps
	@kdir=$${KDIR:-$$($(KDIR_CMD))}; \
	test -d "$$kdir" || { echo "kernel: no kernel headers at '$$kdir'"; exit 1; }; \
	kernel/link-tree.sh . $(KBUILD_DIR) && \
	nice $(MAKE) -C "$$kdir" M=$(CURDIR)/$(KBUILD_DIR) CONFIG_INVTRACK=m W=1 \
		CONFIG_DEBUG_INFO_BTF_MODULES= modules > $(KBUILD_DIR)/build.log 2>&1; \
	rc=$$?; cat $(KBUILD_DIR)/build.log; test $$rc = 0 || exit $$rc; \
	if grep -qi 'warning' $(KBUILD_DIR)/build.log; then \
		echo "kernel: the build printed warnings"; exit 1; fi; \
	PATH="$$PATH:/sbin:/usr/sbin" modinfo $(KBUILD_DIR)/invtrack.ko | grep -E "^(filename|license|description):"

# KUNIT_ARGS: more options for kunit.py run (e.g. a suite filter: invtrack-invs).
KUNIT_ARGS ?=
kunit: kunit-deps
	kernel/kunit.sh . $(KUNIT_ARGS)

clean:
	rm -rf $(BUILD) build-asan build-tsan build-ablations build-release build-fuzz $(KBUILD_DIR)
