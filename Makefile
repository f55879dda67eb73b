# CCS top-level targets. Each installs what is missing, then builds.
#   make demo    the key broker end to end: a KBS on loopback releases a secret
#                only to the sim workload with the registered measurement
#   make demo-verify  verify the bundled real SGX and TDX quotes (a table)
#   make test    build and run the whole test suite (default preset)
#   make asan    the suite under ASan+UBSan
#   make fuzz    build the libFuzzer targets and run each briefly
#   make warnings  build everything with gcc -O3 and with clang (-Werror): other
#                optimisation levels see other uninitialised reads
#   make bench   benchmarks, side by side with the peers
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 30

.PHONY: all deps peers build demo demo-verify test asan fuzz warnings bench clean

all: build

deps:
	@scripts/install-deps.sh

peers:
	@scripts/install-deps.sh --peers

build: deps
	@cmake --preset default >/dev/null
	@cmake --build build/default -j$(JOBS)

demo: build
	@scripts/demo.sh build/default/ccs

demo-verify: build
	@scripts/demo-verify.sh build/default/ccs

test: peers build
	@ctest --preset default -j$(JOBS)

asan: peers
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j$(JOBS)
	@ctest --preset asan -j$(JOBS)

warnings: deps
	@cmake -S . -B build/warn-o3 -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-O3 >/dev/null
	@cmake --build build/warn-o3 -j$(JOBS)
	@cmake -S . -B build/warn-clang -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build/warn-clang -j$(JOBS)

fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz -j$(JOBS)
	@scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

bench: peers build
	@build/default/bench/bench_attest --peers peers
	@build/default/bench/bench_kbs
	@build/default/bench/bench_kbs_purge
	@build/default/bench/bench_he_ntt
	@build/default/bench/bench_he_paillier
	@build/default/bench/bench_he_schemes
	@build/default/bench/bench_ratls
	@bench/image.sh

clean:
	rm -rf build
