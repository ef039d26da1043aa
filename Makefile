# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make test       install missing build packages (as root), build, run every test
# make sanitize   unit + stress tests under ASan+UBSan and under TSan
# make ablations  the test-only build with protocol rules switchable; ablation tests
# make bench      release build, then bench/fastpath, bench/peers and bench/scaling
# make bench-report  the same runs drawn into docs/perf/*.png (python3-matplotlib)
# make run        build, then `invtrack run` on the default scenario (about 10 s)
# make fuzz       clang build of the libFuzzer harnesses, each run FUZZ_SECONDS (default 60)
# make soak       `invtrack run` over and over, fresh seeds, for SECONDS (default 60)

BUILD ?= build
MESON_FLAGS ?=
PACKAGES := gcc meson ninja-build pkg-config liburcu-dev libcmocka-dev python3-jsonschema
SAN_STRESS_SECONDS ?= 3
# The Python that has Debian's python3-matplotlib (bench-report).
PYTHON ?= python3
# A literal comma, for $(call) arguments that contain one.
comma := ,

.PHONY: all deps build test sanitize asan tsan ablations bench bench-report run fuzz soak clean

all: build

deps:
	@missing=""; \
	for p in $(PACKAGES); do \
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

bench-report: deps
	@if ! $(PYTHON) -c 'import matplotlib' 2>/dev/null; then \
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
	$(PYTHON) bench/report.py build-release docs/perf

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
SECONDS ?= 60
soak: build
	python3 tools/soak.py --invtrack $(BUILD)/tools/invtrack --seconds $(SECONDS) \
		--out $(BUILD)/soak

# make run ARGS="--seconds 3 --json": options of `invtrack run` (see invtrack run --help).
ARGS ?=
run: build
	./$(BUILD)/tools/invtrack run $(ARGS)

clean:
	rm -rf $(BUILD) build-asan build-tsan build-ablations build-release build-fuzz
