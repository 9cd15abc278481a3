// The fast ΔW path (B·A on onnxruntime-web wasm) against a float64 reference, per layout, and a whole UNet fused with it.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoraModule, WeightLayout } from '../../src/pipeline/lora/lora-types';
import { memoryOverlay } from '../../src/runtime/fuse-overlay';
import { fuseLoras } from '../../src/runtime/lora-fuse';
import { ortDeltaAdder, type OrtDeltaAdder } from '../../src/runtime/ort-delta';
import { fixtureLora, float64Adder, fmaAdder, initializerValues } from './lora-fixtures';
import { maxAbsDiff, modelDir } from './reference';

let fast: OrtDeltaAdder;
beforeAll(async () => {
  fast = await ortDeltaAdder(ort, ['wasm']);
});
afterAll(async () => fast?.release());

/** Deterministic normal-ish values (sum of uniforms from a 32-bit LCG), scaled. */
function randoms(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: n }, () => (u() + u() + u() - 1.5) * 2 * scale);
}

function module(out: number, inn: number, kernel: number[], rank: number, seed: number): LoraModule {
  const k = inn * kernel.reduce((a, b) => a * b, 1);
  return {
    component: 'unet', module: `synthetic.${seed}`, nodePrefix: `/synthetic/${seed}`,
    down: randoms(rank * k, seed, 1 / Math.sqrt(k)), downShape: [rank, inn, ...kernel],
    up: randoms(out * rank, seed + 1, 0.05), upShape: kernel.length ? [out, rank, 1, 1] : [out, rank],
    alphaOverRank: 16 / rank, keys: [],
  };
}

const CASES: { layout: WeightLayout; out: number; inn: number; kernel: number[]; dims: (o: number, i: number) => number[] }[] = [
  { layout: 'matmul', out: 1280, inn: 320, kernel: [], dims: (o, i) => [i, o] },
  { layout: 'gemm', out: 640, inn: 1280, kernel: [], dims: (o, i) => [o, i] },
  { layout: 'conv', out: 64, inn: 96, kernel: [3, 3], dims: (o, i) => [o, i, 3, 3] },
  { layout: 'conv', out: 128, inn: 64, kernel: [1, 1], dims: (o, i) => [o, i, 1, 1] },
];

describe('fast ΔW on onnxruntime', () => {
  it('stays within 1e-6 (relative to the largest |ΔW|) of a float64 ΔW, in every layout, at rank 32', async () => {
    for (const [n, c] of CASES.entries()) {
      const m = module(c.out, c.inn, c.kernel, 32, 11 + n * 7);
      const dims = c.dims(c.out, c.inn);
      const size = dims.reduce((a, b) => a * b, 1);
      const got = new Float32Array(size);
      await fast.add(got, c.layout, dims, m, 0.7);
      const want = new Float32Array(size);
      await float64Adder(want, c.layout, dims, m, 0.7);
      const peak = want.reduce((a, b) => Math.max(a, Math.abs(b)), 0);
      expect(peak, c.layout).toBeGreaterThan(0);
      expect(maxAbsDiff(got, want) / peak, `${c.layout} [${dims.join(', ')}]`).toBeLessThan(1e-6);
      // Added onto a weight, not written over it.
      const base = randoms(size, 99, 0.1);
      const sum = Float32Array.from(base);
      await fast.add(sum, c.layout, dims, m, 0.7);
      expect(maxAbsDiff(sum, base.map((b, i) => b + got[i]!))).toBe(0);
    }
  });

  it('fuses the kohya LoRA into the tiny UNet as the reference adder does (within 1e-6 of each weight’s largest ΔW)', async () => {
    const model = new Uint8Array(readFileSync(`${modelDir}unet/model.onnx`));
    const entries = [{ lora: fixtureLora('tiny-kohya'), weight: 0.6 }, { lora: fixtureLora('tiny-diffusers'), weight: 0.8 }];
    const a = await fuseLoras(model, new Map(), entries, fast.add, memoryOverlay());
    const b = await fuseLoras(model, new Map(), entries, fmaAdder, memoryOverlay());
    expect(a.patched.map((p) => p.initializer)).toEqual(b.patched.map((p) => p.initializer));
    const base = { model, externalData: [] };
    for (const p of a.patched) {
      const [x, y, w] = await Promise.all([initializerValues(a, p.initializer), initializerValues(b, p.initializer), initializerValues(base, p.initializer)]);
      const peak = maxAbsDiff(y.values, w.values);
      expect(maxAbsDiff(x.values, y.values) / peak, p.node).toBeLessThan(1e-6);
    }
  });
});
