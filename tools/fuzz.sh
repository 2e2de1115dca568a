#!/usr/bin/env bash
# Runs every fuzz target (fuzz/fuzz_targets/*.rs) for a bounded time each, from its committed
# seed corpus, and prints each target's run time and outcome. Not in CI; `make fuzz` runs it
# for FUZZ_SECONDS (10) per target.
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

# Each target starts from its committed seeds (fuzz/seeds/<target>/, rewritten by
# fuzz/seeds/make_seeds.py) plus what earlier runs left in fuzz/corpus/<target>/ (ignored).
for t in $TARGETS; do
  [ -d "fuzz/seeds/$t" ] || { echo "fuzz/seeds/$t is missing" >&2; exit 1; }
  mkdir -p "fuzz/corpus/$t"
  cp -n fuzz/seeds/"$t"/* "fuzz/corpus/$t/"
done

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
