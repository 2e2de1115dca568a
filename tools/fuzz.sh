#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/*.rs) for a bounded time each, with a corpus
# seeded from the real fixtures, and prints each target's run time and outcome. Not in CI.
#
#   tools/fuzz.sh [seconds-per-target, default 60] [target ...]
#
# A crash is saved by libFuzzer under fuzz/artifacts/<target>/; copy it to
# tests/fixtures/fuzz/<target>/ and `cargo test --test fuzz_regressions` keeps it as a
# regression test. cargo-fuzz needs nightly flags: RUSTC_BOOTSTRAP=1 allows them on stable.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
shift || true
TARGETS=${*:-npy mat scene cifar png packed weights url photos}
export RUSTC_BOOTSTRAP=1
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --version 0.13.1 --locked

seed() {
  local t=$1
  shift
  mkdir -p "fuzz/corpus/$t"
  for f in "$@"; do [ -f "$f" ] && cp -n "$f" "fuzz/corpus/$t/" || true; done
}
F=tests/fixtures/data
seed npy $F/*.npy
seed mat $F/*.mat
seed scene $F/ok_*.npy $F/mat_scene_*.mat $F/bad_*
seed cifar tests/fixtures/cifar/*.bin
seed png tests/fixtures/images/*.png public/data/conv_samples/*.png
seed weights tests/fixtures/weights/*.clw
seed packed tests/fixtures/packed/*.clhs
seed photos tests/fixtures/photos/*.cljp
mkdir -p fuzz/corpus/url
printf '?page=hyperspectral&pca=20&patch=21&lr=0.001&spatial=1&view=errors' > fuzz/corpus/url/link

printf '%-8s %8s  %s\n' target seconds outcome
for t in $TARGETS; do
  start=$(date +%s)
  if cargo fuzz run -O "$t" "fuzz/corpus/$t" -- -max_total_time="$SECS" -rss_limit_mb=2048 \
      -max_len=65536 -timeout=10 >"/tmp/fuzz-$t.log" 2>&1; then
    outcome="no crash ($(grep -o 'Done [0-9]* runs' "/tmp/fuzz-$t.log" | grep -o '[0-9]*' || echo '?') runs)"
  else
    outcome="CRASH: see fuzz/artifacts/$t and /tmp/fuzz-$t.log"
  fi
  printf '%-8s %8s  %s\n' "$t" "$(( $(date +%s) - start ))" "$outcome"
done
