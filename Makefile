# A thin wrapper over CMake, in the manner of DuckDB's:
#   make            release build (build/release)        make debug    debug build, jemalloc
#   make test       release build, then the test suite                  with its own assertions
#   make demo       build and run examples/demo          make asan     AddressSanitizer + UBSan
#   make install PREFIX=/usr/local                       make clean
#   make bootstrap  every package the builds, tests, benchmarks and fuzzers need (CI)
#   make wheel      the Python package with the library inside (build/wheel/duckcore-*.whl)
#   make bench      the benchmark suite against stock SQLite (BENCHMARKS.md); bench-smoke: tiny
#   make bench-instructions   every workload's instruction count under callgrind
#   make DUCKCORE_JEMALLOC=OFF [test|demo|install]   the same on the C library's malloc
#                                                    (build/nojemalloc); make test-nojemalloc
# GEN=ninja uses Ninja. Extra CMake arguments go in CMAKE_FLAGS.

.PHONY: all release debug asan tsan test test-debug test-asan test-tsan test-nojemalloc demo docs \
        fuzz fuzz-build fuzz-smoke shell install bootstrap tools bench bench-build bench-smoke \
        bench-instructions test-sqlite test-sqlite-ci test-sqlite-build test-sqlite-debug clean \
        wheel

GEN ?=
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
comma := ,

ifeq ($(GEN),ninja)
CMAKE_GENERATOR := -G Ninja
endif

# The release build, or with DUCKCORE_JEMALLOC=OFF its twin on the system allocator.
DUCKCORE_JEMALLOC ?= ON
ifeq ($(DUCKCORE_JEMALLOC),OFF)
RELEASE_DIR := nojemalloc
else
RELEASE_DIR := release
endif

# Packages (scripts/bootstrap): building and installing need only the build set; the targets that
# run tests, benchmarks or fuzzers ask for all, and so do their prerequisites (target-specific
# values reach them). When packages were installed, bootstrap touches TOOLS_STAMP, and a build
# folder configured before it is configured again, so it finds what was added.
BOOTSTRAP_SET = build
TOOLS_STAMP := build/.tools-installed
test test-debug test-asan test-tsan test-sqlite test-sqlite-ci test-sqlite-build \
test-sqlite-debug fuzz fuzz-build fuzz-smoke bench bench-build bench-smoke \
bench-instructions: BOOTSTRAP_SET = all

# Configure once per build folder (again after new packages), then let CMake decide what to rebuild.
define build
	@mkdir -p build/$(1)
	@test build/$(1)/CMakeCache.txt -nt $(TOOLS_STAMP) || { cmake -S . -B build/$(1) $(CMAKE_GENERATOR) \
	    -DDUCKCORE_WERROR=ON $(2) $(CMAKE_FLAGS) && touch build/$(1)/CMakeCache.txt; }
	cmake --build build/$(1) -j $(JOBS)
endef

all: release

bootstrap:
	@scripts/bootstrap --quiet --stamp $(TOOLS_STAMP)

tools:
	@scripts/bootstrap --quiet --set $(BOOTSTRAP_SET) --stamp $(TOOLS_STAMP)

release: tools
	$(call build,$(RELEASE_DIR),-DCMAKE_BUILD_TYPE=Release -DDUCKCORE_JEMALLOC=$(DUCKCORE_JEMALLOC))

debug: tools
	$(call build,debug,-DCMAKE_BUILD_TYPE=Debug -DDUCKCORE_JEMALLOC_DEBUG=ON)

# Sanitizer builds run on the system allocator: ASan cannot see inside jemalloc's arenas, so on
# jemalloc it would check nothing of the engine's heap.
asan: tools
	$(call build,asan-system,-DCMAKE_BUILD_TYPE=Debug -DDUCKCORE_JEMALLOC=OFF \
	    -DDUCKCORE_SANITIZE=address$(comma)undefined)

test: release
	ctest --test-dir build/$(RELEASE_DIR) --output-on-failure -j $(JOBS)

test-nojemalloc:
	$(MAKE) test DUCKCORE_JEMALLOC=OFF

# SQLite's own test suite on duckcore's engine (tests/sqlite/README.md): SQLite's testfixture with
# duckcore's memory methods, page cache and VFS shims. test-sqlite runs SQLite's veryquick set;
# test-sqlite-ci the scripts that exercise what duckcore replaces (CI, under 10 minutes).
# SQLITE_TESTS='wal* pcache*' runs those scripts instead.
SQLITE_JOBS ?= $(JOBS)
SQLITE_TESTS ?=
SQLITE_RUN = $(BENCH_PYTHON) tests/sqlite/run.py --build build/$(RELEASE_DIR) --jobs $(SQLITE_JOBS)
test-sqlite-build: release
	cmake --build build/$(RELEASE_DIR) --target duckcore_testfixture -j $(JOBS)

test-sqlite: test-sqlite-build
	set -f; $(SQLITE_RUN) --set veryquick $(SQLITE_TESTS)

test-sqlite-ci: test-sqlite-build
	$(SQLITE_RUN) --set ci

# The CI subset on the debug build: SQLite's tests with duckcore's invariant checks armed.
test-sqlite-debug: debug
	cmake --build build/debug --target duckcore_testfixture -j $(JOBS)
	$(BENCH_PYTHON) tests/sqlite/run.py --build build/debug --jobs $(SQLITE_JOBS) --set ci

test-debug: debug
	ctest --test-dir build/debug --output-on-failure -j $(JOBS)

tsan: tools
	$(call build,tsan,-DCMAKE_BUILD_TYPE=RelWithDebInfo -DDUCKCORE_SANITIZE=thread)

# ThreadSanitizer on the tests that use threads.
test-tsan: tsan
	TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$(CURDIR)/tests/tsan.supp \
	    ctest --test-dir build/tsan --output-on-failure -j $(JOBS) -R '^(threads_|concurrency_)'

# libFuzzer targets (clang): fuzz-smoke runs each briefly (CI), fuzz for FUZZ_SECONDS each.
# On the system allocator: ASan cannot see inside jemalloc's arenas, so an engine read past a
# buffer there would go unnoticed. (A folder of its own: build/fuzz may hold a cached
# configuration with jemalloc.)
FUZZ_SECONDS ?= 600
FUZZ_DIR := fuzz-checked
# Optimized, but without NDEBUG: the fuzzers check duckcore's invariants (and SQLite's asserts).
fuzz-build: tools
	$(call build,$(FUZZ_DIR),-DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    '-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g' -DDUCKCORE_FUZZ=ON -DDUCKCORE_JEMALLOC=OFF \
	    -DDUCKCORE_SANITIZE=fuzzer-no-link$(comma)address$(comma)undefined)

# Benchmarks (BENCHMARKS.md): the jemalloc build and its glibc twin side by side with stock
# SQLite. bench writes bench/results/; bench-smoke runs every workload at a tiny size (CI), timed
# and then under callgrind. bench-instructions counts every workload's instructions under
# callgrind (deterministic: one run) into bench/results/instructions.md and .json.
# BENCH_THREADS=1,4,16 adds P2 thread counts; BENCH_ARGS passes more to bench/run.py.
BENCH_THREADS ?=
BENCH_ARGS ?=
# Debian's interpreter, where matplotlib comes from (not a pyenv or venv one earlier in PATH).
BENCH_PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
BENCH_RUN = $(BENCH_PYTHON) bench/run.py --build build/release --nojemalloc build/nojemalloc \
            $(if $(BENCH_THREADS),--threads $(BENCH_THREADS)) $(BENCH_ARGS)
BENCH_INSTRUCTIONS = $(BENCH_PYTHON) bench/run.py --build build/release --instructions --jobs $(JOBS)
bench-build: tools
	$(MAKE) release DUCKCORE_JEMALLOC=ON
	cmake --build build/release --target duckcore_bench -j $(JOBS)
	$(MAKE) release DUCKCORE_JEMALLOC=OFF
	cmake --build build/nojemalloc --target duckcore_bench -j $(JOBS)

bench: bench-build
	$(BENCH_RUN)

bench-smoke: bench-build
	$(BENCH_RUN) --smoke --out build/bench-smoke
	$(BENCH_INSTRUCTIONS) --smoke --out build/bench-smoke  # stock and duckcore: keeps CI near a minute

bench-instructions: bench-build
	$(BENCH_INSTRUCTIONS) --nojemalloc build/nojemalloc $(BENCH_ARGS)

fuzz-smoke: fuzz-build
	scripts/fuzz build/$(FUZZ_DIR) 20

fuzz: fuzz-build
	scripts/fuzz build/$(FUZZ_DIR) $(FUZZ_SECONDS)

test-asan: asan
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    ctest --test-dir build/asan-system --output-on-failure -j $(JOBS)

demo: release
	build/$(RELEASE_DIR)/examples/demo

# The option tables of include/duckcore.h and README.md, written from the registry (the
# docs_match_code test fails until they are).
docs: release
	$(BENCH_PYTHON) tests/check_docs.py build/release/lib/libduckcore.so . --write

shell: release
	build/$(RELEASE_DIR)/tools/duckcore

install: release
	cmake --install build/$(RELEASE_DIR) --prefix $(PREFIX)

# The Python binding as a wheel that carries libduckcore (bindings/python/README.md); built
# offline with Debian's setuptools, wheel and pip. pip install build/wheel/duckcore-*.whl
wheel: release
	$(BENCH_PYTHON) bindings/python/build_wheel.py --library build/$(RELEASE_DIR)/lib/libduckcore.so \
	    --work build/wheel-work --out build/wheel

clean:
	rm -rf build
