#!/usr/bin/env bash
# Checks what `make serve` (argument "serve") or `make test` ("test") needs before anything
# is installed or built, and stops at the first missing piece with one line naming it and how
# to get it. What the Makefile can install itself (Trunk, wasm-bindgen, the npm packages,
# the wasm32 target, Chromium) is not checked here.
set -euo pipefail
what=${1:-serve}
cd "$(dirname "$0")/.."

missing() {
  echo "convlab: $1" >&2
  exit 1
}

version_ge() { # version_ge HAVE NEED: HAVE >= NEED (dotted numbers)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

need_rust=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
command -v rustup >/dev/null ||
  missing "rustup is missing: install it from https://rustup.rs (curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh)"
command -v cargo >/dev/null || missing "cargo is missing: run 'rustup default stable' (and open a new shell)"
have_rust=$(rustc --version | awk '{print $2}')
version_ge "$have_rust" "$need_rust" ||
  missing "Rust $have_rust is older than the $need_rust this crate needs: run 'rustup update stable'"
command -v cc >/dev/null || command -v gcc >/dev/null || command -v clang >/dev/null ||
  missing "no C compiler (cc): install one, e.g. 'sudo apt-get install build-essential'"
command -v node >/dev/null || missing "Node.js is missing: install Node 20.10 or newer (e.g. 'sudo apt-get install nodejs npm')"
have_node=$(node --version | tr -d v)
version_ge "$have_node" 20.10 || missing "Node.js $have_node is older than 20.10: install a newer Node.js"
command -v npm >/dev/null || missing "npm is missing: install it with Node.js (e.g. 'sudo apt-get install npm')"
if [ "$what" = test ]; then
  cargo fmt --version >/dev/null 2>&1 || missing "rustfmt is missing: run 'rustup component add rustfmt'"
  cargo clippy --version >/dev/null 2>&1 || missing "clippy is missing: run 'rustup component add clippy'"
fi
exit 0
