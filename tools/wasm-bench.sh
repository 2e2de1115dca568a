#!/usr/bin/env bash
# The browser's CPU fallback timed and profiled without a browser: `examples/wasm_bench.rs`
# (the device check's timed steps) built for wasm32 with the worker's release profile and
# SIMD128, run by Node.js's V8 on one thread, beside the native build on one thread.
#
#   tools/wasm-bench.sh [model] [batch] [iters]        # default: hybridsn 32 3
#   PROFILE=1 tools/wasm-bench.sh hybridsn 32 3        # + the top functions by self time
#   CARGO_FLAGS="--config profile.release.opt-level=3" tools/wasm-bench.sh   # A/B a profile
#   RELAXED=1 tools/wasm-bench.sh                      # the worker_relaxed build's kernels
#   IM2COL=1 tools/wasm-bench.sh                       # without the direct convolutions
#   HOST_PW=1 WIDTH=0.5 tools/wasm-bench.sh mobilenetv1 # 1×1 convolutions as the host
#                                                      # kernels' products; a width multiplier
#   LAYERS=1 tools/wasm-bench.sh hybridsn 32 3         # HybridSN's layers, direct and im2col
#   CHECK=1 [RELAXED=1] tools/wasm-bench.sh            # instead: the SIMD128 direct convolution
#                                                      # against im2col (a test: `make test`)
#
# Numbers are samples/s of forward + cross-entropy + backward + Adam (train) and of a forward
# pass (infer), medians of `iters` steps after one warm-up, as `convlab bench` prints them.
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-hybridsn}
batch=${2:-32}
iters=${3:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/convlab/target}
target=${WASM_TARGET_DIR:-$CARGO_TARGET_DIR-wasm}
out=${OUT_DIR:-/tmp/convlab-wasm-bench}
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# The relaxed-SIMD kernels (Cargo.toml's `relaxed-simd`); Node 20 runs them behind a flag.
features=() node_flags=()
if [ -n "${RELAXED:-}" ]; then
  features=(--features relaxed-simd) node_flags=(--experimental-wasm-relaxed-simd)
fi

# shellcheck disable=SC2086
CARGO_TARGET_DIR=$target cargo build -q --release --example wasm_bench \
  --target wasm32-unknown-unknown "${features[@]}" ${CARGO_FLAGS:-}
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target nodejs --out-dir "$out" \
  "$target/wasm32-unknown-unknown/release/examples/wasm_bench.wasm"
cat > "$out/run.js" <<'EOF'
const m = require('./wasm_bench.js');
const [model, batch, iters] = process.argv.slice(2);
m.use_direct(!process.env.IM2COL);
if (process.env.HOST_PW) m.use_host_pointwise(process.env.HOST_PW === '1');
console.log(`wasm (Node.js ${process.version}, 1 thread): ${m.bench(model, Number(process.env.WIDTH || 1), Number(batch), Number(iters))}`);
EOF
cat > "$out/check.js" <<'EOF'
const m = require('./wasm_bench.js');
try {
  console.log(`wasm (Node.js ${process.version}): ${m.check_direct_conv()}`);
} catch (e) {
  console.error(`wasm (Node.js ${process.version}): FAILED: ${e}`);
  process.exit(1);
}
EOF
cat > "$out/top.js" <<'EOF'
// Self time per function of a V8 CPU profile, largest first.
const fs = require('fs');
const dir = process.argv[2];
const file = fs.readdirSync(dir).find((x) => x.endsWith('.cpuprofile'));
const p = JSON.parse(fs.readFileSync(`${dir}/${file}`));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
p.samples.forEach((id, i) => {
  const name = byId.get(id).callFrame.functionName || '(anonymous)';
  const dt = p.timeDeltas[i] || 0;
  total += dt;
  self.set(name, (self.get(name) || 0) + dt);
});
for (const [name, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${name.replace(/::h[0-9a-f]{16}$/, '').slice(0, 140)}`);
}
EOF
if [ -n "${LAYERS:-}" ]; then
  node "${node_flags[@]}" -e "console.log(require('$out/wasm_bench.js').layer_times(Number('$batch'), Number('$iters')))"
  exit 0
elif [ -n "${CHECK:-}" ]; then
  node "${node_flags[@]}" "$out/check.js"
  exit 0
elif [ -n "${PROFILE:-}" ]; then
  node "${node_flags[@]}" --cpu-prof --cpu-prof-dir="$out/prof" "$out/run.js" "$model" "$batch" "$iters"
  node "$out/top.js" "$out/prof"
else
  node "${node_flags[@]}" "$out/run.js" "$model" "$batch" "$iters"
fi
if [ -z "${NO_NATIVE:-}" ]; then
  echo -n "native (1 thread): "
  RAYON_NUM_THREADS=1 cargo run -q --bin convlab -- bench --models "$model" --batch "$batch" \
    --iters "$iters" --no-map ${IM2COL:+--im2col} 2>&1 | grep -iE "^\s*$model|samples" | head -3 || true
fi
