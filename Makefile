# convlab task file. `make serve` builds the release app and serves it on
# http://127.0.0.1:8080; `make test` runs every check; `make dist` writes the deployable
# folder. Each checks its prerequisites first (tools/prereqs.sh) and installs the missing
# tools it can.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

TRUNK_VERSION := 0.21.14
WASM_BINDGEN_VERSION := 0.2.130
CHROMIUM ?= /usr/lib/chromium/chromium
PORT ?= 8080
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# One build cache for work-tree builds and CI (.ci/run uses the same folder), so CI after a
# local `make test` is incremental. wasm builds get their own target directory beside it, so
# native and wasm builds can run side by side.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/convlab/target
WASM_TARGET_DIR ?= $(CARGO_TARGET_DIR)-wasm
WASM_ENV := CARGO_TARGET_DIR=$(WASM_TARGET_DIR)

.PHONY: prereqs prereqs-test tools build-tools vendor-times serve dist test fmt clippy native-test server-test wasm-build wasm-kernels browser-test size bench fuzz
# Serve under a sub-path, as a project site would be: `make serve BASE=/convlab/`.
BASE ?= /

## What cannot be installed here (Rust, a C compiler, Node.js): one line each when missing.
prereqs:
	@tools/prereqs.sh serve
prereqs-test:
	@tools/prereqs.sh test

## What building the app needs, at the pinned versions (idempotent; reuses what is present).
build-tools: prereqs
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@trunk --version 2>/dev/null | grep -q "$(TRUNK_VERSION)" || cargo install trunk --version $(TRUNK_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@[ -x node_modules/.bin/wasm-opt ] && [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund

## Everything the tests need besides: Debian's Chromium.
tools: prereqs-test build-tools
	@[ -x $(CHROMIUM) ] || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium chromium-driver; }

## The vendored crate's files (vendor/) get the time of their last commit, not of the clone:
## cargo rebuilds a path dependency whose files are newer than its build, and everything above
## it (the burn crates), so a fresh clone would not reuse the warm cache. Left alone while they
## have uncommitted changes (those must rebuild).
vendor-times:
	@if git diff --quiet HEAD -- vendor 2>/dev/null; then git ls-files -z vendor | xargs -0 -r touch -d "@$$(git log -1 --format=%ct -- vendor)"; fi

## The release app (UI wasm + worker wasm + data) in dist/.
build: build-tools vendor-times
	cargo fetch
	$(WASM_ENV) trunk build --release

serve: build
	node tests/serve.mjs dist $(PORT) $(BASE)

## dist/ is the whole site: copy it to any static host, at any path (all URLs are relative).
dist: build
	@du -sh dist | awk '{print "dist/: " $$1 " to upload (any static host, any path; .nojekyll included for GitHub Pages)"}'

fmt:
	cargo fmt --all -- --check

clippy: vendor-times
	cargo clippy --all-targets -- -D warnings
	$(WASM_ENV) cargo clippy --target wasm32-unknown-unknown --features ui --lib --bins -- -D warnings
	$(WASM_ENV) cargo clippy --target wasm32-unknown-unknown --features relaxed-simd --bin worker_relaxed -- -D warnings
	$(WASM_ENV) cargo clippy --target wasm32-unknown-unknown --example wasm_bench -- -D warnings

native-test: vendor-times
	cargo test

wasm-build: vendor-times
	cargo fetch
	$(WASM_ENV) trunk build --release

## The browser's direct convolution (SIMD128, both worker builds) against im2col, run in
## WebAssembly by Node.js's V8: natively the AVX2 and AVX-512 kernels are tested instead.
wasm-kernels: vendor-times
	WASM_TARGET_DIR=$(WASM_TARGET_DIR) CHECK=1 NO_NATIVE=1 tools/wasm-bench.sh
	WASM_TARGET_DIR=$(WASM_TARGET_DIR) CHECK=1 NO_NATIVE=1 RELAXED=1 tools/wasm-bench.sh

size:
	node tests/size.mjs dist

server-test:
	node --test tests/serve.test.mjs

browser-test:
	node --test --test-concurrency=1 tests/browser/

## Every check: formatting, clippy (native and wasm32), native tests, the release wasm
## build, its kernels and its size, and the browser tests (WebGPU and CPU fallback).
test: tools fmt clippy native-test server-test wasm-build wasm-kernels size browser-test

bench:
	cargo run -- bench

## A short fuzz smoke: every cargo-fuzz target for FUZZ_SECONDS each from its committed seeds
## (fuzz/seeds/), with cargo-fuzz 0.13.1 (installed if missing) on nightly flags. Not in `test`.
FUZZ_SECONDS ?= 10
fuzz:
	tools/fuzz.sh $(FUZZ_SECONDS)
