// `npm run bench:lora`: fuses a rank-32 LoRA into a synthetic SDXL UNet's fp16 attention/FF weights (external-data shards
// on disk) with the CPU loop and with the onnxruntime MatMul path; prints JSON: time, peak JS memory, overlay bytes, re-weight time.
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortWeb from 'onnxruntime-web';
import { fsStore } from '../src/node/fs-store';
import type { DeltaAdder, ParsedLora } from '../src/pipeline/lora/lora-types';
import { storeOverlay } from '../src/runtime/fuse-overlay';
import { fuseLoras, type FusedModel } from '../src/runtime/lora-fuse';
import { indexOnnxGraph } from '../src/runtime/onnx-initializers';
import { ortDeltaAdder } from '../src/runtime/ort-delta';
import { decodeWeights } from '../src/runtime/weight-bytes';
import { sdxlLinears, syntheticLora, writeSyntheticUnet } from './synthetic-sdxl-lora';

const { values } = parseArgs({
  options: {
    // Channels and context width are divided by this (weights by its square); --full is the real SDXL size (≈ 4.4 GB fp16).
    div: { type: 'string', default: '4' },
    full: { type: 'boolean', default: false },
    rank: { type: 'string', default: '32' },
    'shard-mb': { type: 'string' },
    'skip-cpu': { type: 'boolean', default: false },
    // onnxruntime-web wasm threads: on a busy 2-core machine more threads spin against the JS thread that reads and converts.
    threads: { type: 'string', default: '1' },
  },
});
const div = values.full ? 1 : Number(values.div);
const rank = Number(values.rank);
const shardBytes = Number(values['shard-mb'] ?? (values.full ? 2000 : 256)) * 1e6;
const MB = (n: number) => Math.round(n / 1e5) / 10;

/** The exact path's loop shape (fused multiply-add over r = 0…R-1, then the float32 scale), on the CPU in JS. */
const cpuAdder: DeltaAdder = (base, layout, _dims, m, weight) => {
  const r = m.downShape[0]!;
  const k = m.down.length / r;
  const out = m.up.length / r;
  const s = Math.fround(weight * m.alphaOverRank);
  const { up, down } = m;
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let q = 0; q < r; q++) acc = Math.fround(up[o * r + q]! * down[q * k + j]! + acc);
      const at = layout === 'matmul' ? j * out + o : o * k + j;
      base[at] = base[at]! + Math.fround(acc * s);
    }
  }
};

/** Peak process memory, sampled on a timer and after a ΔW when the timer could not run (memoryUsage() costs ~1 ms). */
class Peaks {
  heapUsed = 0;
  arrayBuffers = 0;
  rss = 0;
  private last = 0;
  private timer = setInterval(() => this.sample(), 20);
  sample(ifOlderThanMs = 0) {
    const now = performance.now();
    if (now - this.last < ifOlderThanMs) return;
    this.last = now;
    const m = process.memoryUsage();
    this.heapUsed = Math.max(this.heapUsed, m.heapUsed);
    this.arrayBuffers = Math.max(this.arrayBuffers, m.arrayBuffers);
    this.rss = Math.max(this.rss, m.rss);
  }
  stop() {
    clearInterval(this.timer);
    return { peak_heap_used_mb: MB(this.heapUsed), peak_array_buffers_mb: MB(this.arrayBuffers), peak_rss_mb: MB(this.rss) };
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'bench-lora-'));
  try {
    const specs = sdxlLinears(div);
    const t = performance.now();
    const { model, shards, weightBytes } = await writeSyntheticUnet(dir, specs, shardBytes);
    const generateMs = performance.now() - t;
    const lora: ParsedLora = syntheticLora(specs, rank);
    const loraBytes = lora.modules.reduce((n, m) => n + (m.down.length + m.up.length) * 4, 0);
    const blobs = new Map(await Promise.all(shards.map(async (s) => [s, await openAsBlob(join(dir, s))] as const)));
    const store = fsStore(dir);
    ortWeb.env.wasm.numThreads = Number(values.threads);

    const run = async (label: string, adder: DeltaAdder, weight: number) => {
      (globalThis as { gc?: () => void }).gc?.();
      const before = process.memoryUsage();
      const peaks = new Peaks();
      let deltaMs = 0;
      const wrapped: DeltaAdder = async (...a) => {
        const t0 = performance.now();
        await adder(...a);
        deltaMs += performance.now() - t0;
        peaks.sample(20);
      };
      const start = performance.now();
      const fused = await fuseLoras(model, blobs, [{ lora, weight }], wrapped, await storeOverlay(store, `overlay-${label}.bin`));
      const ms = performance.now() - start;
      return { fused, report: { label, weight, ms: Math.round(ms), delta_ms: Math.round(deltaMs), read_convert_write_ms: Math.round(ms - deltaMs), patched: fused.patched.length, warnings: fused.warnings.length, overlay_mb: MB(fused.overlayBytes), heap_used_before_mb: MB(before.heapUsed), array_buffers_before_mb: MB(before.arrayBuffers), ...peaks.stop() } };
    };

    const fast = await ortDeltaAdder(ortWeb, ['wasm']);
    const runs = [];
    const fastRun = await run('ort-wasm', fast.add, 1);
    runs.push(fastRun.report);
    runs.push((await run('ort-wasm-switch-weight', fast.add, 0.5)).report);
    let agreement: Record<string, number> | undefined;
    if (!values['skip-cpu']) {
      const cpuRun = await run('cpu-exact-loop', cpuAdder, 1);
      runs.push(cpuRun.report);
      agreement = await compare(model, fastRun.fused, cpuRun.fused);
    }
    await fast.release();
    console.log(JSON.stringify({
      synthetic: { div, full: div === 1, modules: specs.length, weight_mb: MB(weightBytes), shards: shards.length, shard_mb: MB(shardBytes), model_onnx_kb: Math.round(model.length / 1e3), rank, lora_mb: MB(loraBytes), generate_ms: Math.round(generateMs) },
      runs,
      fp16_agreement_fast_vs_cpu: agreement,
      node: process.version,
      threads: Number(values.threads),
    }, null, 2));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How many fp16 values of the first few weights differ between two fusions (rounding ties of ΔW that differ by < 1e-6). */
async function compare(model: Uint8Array, a: FusedModel, b: FusedModel) {
  const index = indexOnnxGraph(model);
  let values = 0;
  let differ = 0;
  let worstRel = 0;
  for (const p of a.patched.slice(0, 6)) {
    const d = index.initializers.get(p.initializer)!.data!;
    if (d.kind !== 'external') continue;
    const read = async (f: FusedModel) => decodeWeights(new Uint8Array(await f.externalData.find((e) => e.path === d.location)!.data.slice(d.offset, d.offset + d.length).arrayBuffer()), 10);
    const [x, y] = [await read(a), await read(b)];
    const peak = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let i = 0; i < x.length; i++) {
      values++;
      if (x[i] !== y[i]) differ++;
      worstRel = Math.max(worstRel, Math.abs(x[i]! - y[i]!) / peak);
    }
  }
  return { values, differ, worst_diff_over_peak: worstRel };
}

await main();
