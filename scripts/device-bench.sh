#!/usr/bin/env bash
# Runs bench:real on the lent GPU machine (or, as a dry run, here on SwiftShader's Vulkan driver) from .device-kit/.
#
# On the device (see README "Performance" → "On a real GPU"): `scripts/device-pack.sh --park`, then the device tool's
#   run  command "bash scripts/device-bench.sh"  carry [".device-kit", ".gl"]  timeout_s 600
# and `scripts/device-pack.sh --unpark` afterwards. Here: `DRY_RUN=1 SIZE=128 STEPS=1 CFG=1 bash scripts/device-bench.sh`.
# It unpacks node + onnxruntime-node, brings the Vulkan loader, fills the skeleton's weights on local disk, checks that
# onnxruntime's WebGPU EP finds an adapter, then runs bench:real (node-webgpu, and the CPU EP where asked) and the
# PyTorch fp16 anchor at the same shape. Everything it measures lands in $OUT (or .bench/device/ here) as JSON.
set -uo pipefail
cd "$(dirname "$0")/.."
START=$(date +%s)
SIZE=${SIZE:-1024}
STEPS=${STEPS:-4}
CFG=${CFG:-1,3}
PRECISION=${PRECISION:-fp16}
PROVIDERS=${PROVIDERS:-node-webgpu}
BUDGET_S=${BUDGET_S:-570}          # the device tool stops a command at 600 s
KIT=$PWD/.device-kit
WORK=${WORK:-/tmp/sdxl-device}
OUT=${OUT:-$PWD/.bench/device}
mkdir -p "$WORK" "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
left() { echo $((BUDGET_S - ($(date +%s) - START))); }
step() { echo; echo "== $* ($(( $(date +%s) - START )) s)"; }

step unpack
[ -x "$WORK/node" ] || xz -dc "$KIT/node.xz" >"$WORK/node" && chmod +x "$WORK/node"
mkdir -p "$WORK/node_modules" && tar -xJf "$KIT/ort.tar.xz" -C "$WORK/node_modules"
tar -xJf "$KIT/skeleton.tar.xz" -C "$WORK"
cp "$KIT/bench-real.mjs" "$WORK/bench-real.mjs"
"$WORK/node" --version

step "vulkan"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
if [ -n "${DRY_RUN:-}" ]; then
  export LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
else
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null | grep -qi nvidia \
    || export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 >"$OUT/gpu-mem.csv" &
  SMI=$!
fi
ldconfig -p 2>/dev/null | grep -m1 libvulkan || true

step "fill $PRECISION weights"
SK=$WORK/sdxl-skeleton
(cd "$SK" && timeout "$(left)" "$WORK/node" fill.mjs "$PRECISION" --out "$WORK/$PRECISION" ${FILL_ONLY:+--only "$FILL_ONLY"}) | tail -n 12

step "adapter check (text_encoder on the WebGPU EP)"
cat >"$WORK/adapter-check.cjs" <<'EOF'
const ort = require(process.env.WORK + '/node_modules/onnxruntime-node');
(async () => {
  const t0 = performance.now();
  const s = await ort.InferenceSession.create(process.argv[2], { executionProviders: ['webgpu'], logSeverityLevel: 3 });
  const ids = new ort.Tensor('int64', BigInt64Array.from({ length: 77 }, (_, i) => BigInt(i === 0 ? 49406 : 49407)), [1, 77]);
  const r = await s.run({ input_ids: ids });
  console.log(JSON.stringify({ adapter: 'ok', session_plus_run_ms: Math.round(performance.now() - t0), outputs: Object.keys(r).length }));
})().catch((e) => { console.error('adapter check failed:', e.message); process.exit(3); });
EOF
WORK=$WORK timeout 120 "$WORK/node" "$WORK/adapter-check.cjs" "$WORK/$PRECISION/text_encoder/model.onnx" || echo "adapter check failed: bench:real will say why"

step "bench:real $PROVIDERS ${SIZE}² $STEPS steps cfg $CFG $PRECISION"
BENCH_S=$(( $(left) - ${TORCH_RESERVE_S:-150} ))
timeout "$BENCH_S" "$WORK/node" "$WORK/bench-real.mjs" --skeleton "$SK" --data "$WORK" \
  --size "$SIZE" --steps "$STEPS" --cfg "$CFG" --precision "$PRECISION" --providers "$PROVIDERS" \
  --vulkan "$([ -n "${DRY_RUN:-}" ] && echo swiftshader || echo system)" --json-out "$OUT/bench-real.json" || echo "bench:real ended with $?"

step "PyTorch fp16 anchor"
if [ -s "$KIT/diffusers.tar.xz" ]; then
  mkdir -p "$WORK/py" && tar -xJf "$KIT/diffusers.tar.xz" -C "$WORK/py" --strip-components=1
fi
PYTHONPATH=$WORK/py PYTHONUNBUFFERED=1 timeout "$(left)" python3 scripts/torch-anchor.py --skeleton "$SK/$PRECISION" \
  --size "$SIZE" --steps "$STEPS" --cfg "$CFG" --json-out "$OUT/torch-anchor.json" || echo "anchor ended with $?"

[ -n "${SMI:-}" ] && kill "$SMI" 2>/dev/null
[ -s "$OUT/gpu-mem.csv" ] && echo "peak GPU memory (nvidia-smi, MiB): $(sort -n "$OUT/gpu-mem.csv" | tail -1)"
step done
