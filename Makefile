# keyroute: the two commands that matter are `make demo` and `make test`.
# Both set up everything they need on a fresh machine (scripts/setup.sh).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PY := $(CURDIR)/.venv/bin/python
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CARGO_TERM_COLOR := never

.PHONY: all setup demo test bench vectors commands cli python js \
        test-rust test-nostd test-python test-js test-sharded test-readme test-vectors fuzz-smoke \
        lint clean dist dist-setup dist-wheel-native

all: cli python js

setup:
	bash scripts/setup.sh

# ---- build targets ---------------------------------------------------------
cli: setup
	cargo build --release -p keyroute-cli
	@echo "built target/release/keyroute"

python: setup
	bash bindings-python/scripts/build.sh

js: setup
	bash bindings-js/scripts/build.sh

# ---- the main job, with no external service --------------------------------
demo: cli python js
	bash scripts/demo.sh

# ---- every test in every language ------------------------------------------
test: lint test-rust test-nostd test-python test-js test-sharded test-readme test-vectors fuzz-smoke
	@echo "make test: all suites passed"

lint: setup
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p keyroute-wasm --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p keyroute-wasm --target wasm32-unknown-unknown --no-default-features --features slots -- -D warnings

# Unit, property, vector and CLI tests; then the benchmarks once each in
# test mode, so they cannot rot.
test-rust: setup
	cargo test --workspace
	cargo bench -p keyroute --bench slot -- --test
	cargo bench -p keyroute --bench command -- --test
	cargo bench -p keyroute --bench policy -- --test
	cargo bench -p keyroute --bench plan -- --test
	cargo bench -p keyroute --bench partition -- --test
	cargo bench -p keyroute-redis --bench mget -- --test

# Proof that the core is no_std: it builds for a target without std.
test-nostd: setup
	cargo build -p keyroute --no-default-features --target wasm32-unknown-unknown
	cargo build -p keyroute --no-default-features --features alloc --target wasm32-unknown-unknown
	cargo build -p keyroute --no-default-features --features alloc,regex --target wasm32-unknown-unknown
	cargo test -p keyroute --no-default-features --features std,regex --test policy_vectors

# Then the benchmarks once each in smoke mode, so they cannot rot either.
test-python: python
	bash bindings-python/scripts/test.sh
	bash bindings-python/scripts/bench.sh --smoke

test-js: js
	bash bindings-js/scripts/test.sh
	bash bindings-js/scripts/bench.sh --smoke

# The sharded-client adapters against the real systems and each other: each
# writes through its sharded client, nutcracker / redis-rb / Predis /
# uhashring / phpredis RedisArray / go-redis v5 Ring read every key back, every adapter reads every other's keys.
SHARDED_AGENTS ?= python-sync,python-asyncio,node-ioredis,node-redis,rust-sync,rust-async
test-sharded: python js
	cargo build -p keyroute-redis --example agent
	$(PY) tests/sharded/cross.py --agents $(SHARDED_AGENTS)

# The README's Python, JavaScript and shell examples, run against local
# redis-servers and a local cluster; their commented values checked (its
# Rust examples are doctests of keyroute-redis, in test-rust).
test-readme: cli python js
	$(PY) tests/readme/run.py README.md

# Re-asks a real redis-server for a sample of the committed vectors, and
# regenerates the command table from it: both must still agree.
test-vectors: setup
	$(PY) tests/oracles/slots.py --check
	$(PY) tests/oracles/getkeys.py --check
	$(PY) tests/oracles/policies.py --check
	$(PY) tests/oracles/commands.py --check
	$(PY) tests/oracles/nutcracker.py --check
	$(PY) tests/oracles/clients.py --check
	$(PY) tests/oracles/definitions.py --check
	$(PY) tests/oracles/reshard_rings.py --check

# A few seconds of each fuzz target (libFuzzer through cargo-fuzz; the
# sanitizer flags need RUSTC_BOOTSTRAP on a stable toolchain).
FUZZ_TARGETS := argv policy replies configs resp_reader plan_script
FUZZ_SECONDS ?= 5
fuzz-smoke: setup
	for t in $(FUZZ_TARGETS); do \
	  RUSTC_BOOTSTRAP=1 cargo fuzz run $$t --fuzz-dir fuzz -- -max_total_time=$(FUZZ_SECONDS) 2>&1 | tail -n 1; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

# ---- vectors from the real systems -----------------------------------------
vectors: setup
	$(PY) tests/oracles/slots.py --write
	$(PY) tests/oracles/getkeys.py --write
	$(PY) tests/oracles/policies.py --write
	$(PY) tests/oracles/nutcracker.py --write
	$(PY) tests/oracles/clients.py --write
	$(PY) tests/oracles/definitions.py --write
	$(PY) tests/oracles/reshard_rings.py --write

# The command table, from a real server's COMMAND and COMMAND DOCS.
commands: setup
	$(PY) tests/oracles/commands.py --write

# ---- release artifacts (not part of `make test`: it builds four wheels) ----
# Every artifact a release publishes, built into dist/ and verified:
# manylinux_2_17 and musllinux_1_2 abi3 wheels for x86_64 and aarch64, the
# sdist, the npm tarball, the three .crate files, SHA256SUMS.
# scripts/dist.sh says what each check is.
dist-setup:
	bash scripts/setup.sh --dist

dist: dist-setup js
	bash scripts/dist.sh

# The wheel of the machine it runs on (the release workflow's macOS and
# Windows jobs).
dist-wheel-native: setup
	bash scripts/dist.sh wheel-native

# ---- benchmarks, side by side with the incumbents --------------------------
# Every side-by-side row goes to target/bench/rows.jsonl as it is measured,
# and bench/summary.py gathers them into target/bench/summary.json.
bench: export KEYROUTE_BENCH_ROWS := $(CURDIR)/target/bench/rows.jsonl
bench: cli python js
	mkdir -p target/bench && rm -f target/bench/rows.jsonl
	python3 bench/corpus.py --count 200000 --out target/bench-keys.txt
	cargo bench -p keyroute --bench slot
	cargo bench -p keyroute --bench command
	cargo bench -p keyroute --bench policy
	cargo bench -p keyroute --bench plan
	cargo bench -p keyroute --bench partition
	cargo bench -p keyroute-redis --bench mget
	bash bindings-python/scripts/bench.sh
	bash bindings-js/scripts/bench.sh
	python3 bench/summary.py --rows target/bench/rows.jsonl --out target/bench/summary.json

clean:
	cargo clean
	rm -rf bindings-js/pkg bindings-js/pkg-wasm bindings-js/build target/wheels dist
