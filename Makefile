# Quick start: `make run` (set up, build, GLaM demo) and `make test` (set up, build, test).
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup check-venv build build-asan run test test-fast fuzz clean

all: build

setup:
	@bash scripts/setup.sh

# jax and optax in a virtualenv for the checks against them (ctest adafactor-optax); without
# network the tests that need them are reported skipped.
check-venv:
	@bash scripts/check-venv.sh --soft

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja:
	CC=clang-19 CXX=clang++-19 cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPARTITA_SANITIZE=address,undefined -DPARTITA_FUZZ=ON $(CMAKE_FLAGS)

build-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
	bash examples/demo.sh $(BUILD)/bin

# Every test: the release build's full suite, then unit, lit and fuzz tests under ASan+UBSan.
test: build build-asan check-venv
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS) -L 'unit|sanitize'

# Exploratory fuzzing: every libFuzzer target for FUZZ_SECONDS with a random seed (the ctest
# runs use a fixed seed so that a test gives one answer per tree). Findings go into
# tests/fuzz/regressions/ once fixed.
FUZZ_SECONDS ?= 600
fuzz: build-asan
	cd $(ASAN_BUILD) && PARTITA_FUZZ_SEED=0 PARTITA_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  ctest --output-on-failure -j $(JOBS) -L fuzz

test-fast: build check-venv
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
