#!/usr/bin/env bash
# convlab and the PyTorch reference side by side, in one sitting on one machine: for each
# batch size, `convlab bench` then `../shared/reference/bench.py` at the same thread count,
# the whole sequence ROUNDS times (interleaved, so drifting load hits both). Only the ratios
# mean anything on shared cores.
#
#   tools/bench-vs-pytorch.sh                 # 2 threads, batch 16 and 64, 2 rounds
#   THREADS=1 BATCHES="16" ROUNDS=1 tools/bench-vs-pytorch.sh
#   VARIANTS="--im2col --plain" tools/bench-vs-pytorch.sh   # convlab's other paths too
#
# Needs a built CLI (`cargo build`; CONVLAB names another binary) and the reference's
# virtual environment (its README: python3 -m venv ~/.cache/convlab-refenv; pip install torch
# numpy scipy scikit-learn).
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-2}
BATCHES=${BATCHES:-16 64}
ROUNDS=${ROUNDS:-2}
# Each is one more convlab run per round and batch, with that flag (A/B in one binary).
VARIANTS=${VARIANTS---im2col}
# Timed steps of each convlab model (median); the reference times 5 after one warm-up.
ITERS=${ITERS:-5}
REF=${REF:-../shared/reference}
PY=${PY:-$HOME/.cache/convlab-refenv/bin/python}
CONVLAB=${CONVLAB:-${CARGO_TARGET_DIR:-$HOME/.cache/convlab/target}/debug/convlab}
[ -x "$CONVLAB" ] || { echo "no convlab binary at $CONVLAB (cargo build, or set CONVLAB)"; exit 1; }
[ -x "$PY" ] || { echo "no PyTorch reference environment at $PY (see $REF/README.md)"; exit 1; }
for round in $(seq "$ROUNDS"); do
  for b in $BATCHES; do
    echo "## round $round, batch $b: convlab"
    RAYON_NUM_THREADS=$THREADS "$CONVLAB" bench --batch "$b" --no-map --iters "$ITERS"
    for v in $VARIANTS; do
      echo "## round $round, batch $b: convlab $v"
      RAYON_NUM_THREADS=$THREADS "$CONVLAB" bench --batch "$b" --no-map --iters "$ITERS" "$v"
    done
    echo "## round $round, batch $b: PyTorch"
    "$PY" "$REF/bench.py" --threads "$THREADS" --train-batch "$b" --infer-batch "$b" \
      --infer-batch2 "$b" --no-scene --min-time 2 --out "/tmp/convlab-ref-b$b-r$round.json"
  done
done
