// The torch-compatible generator against torch 1.13's own dumps (reference/rng): bit for bit.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TorchGenerator } from '../../src/pipeline/torch-generator';
import { loadReference } from './reference';

interface RngIndex {
  mt19937: { seed: number; count: number; tensor: string }[];
  full: { seed: number; shape: number[]; numel: number; path: string; sha256: string; tensor: string }[];
  sdxl: { seed: number; width: number; height: number; numel: number; sha256: string; first64: string; last64: string }[];
  sequences: { name: string; draws: { generator_seeds?: number[]; generator_seed?: number; seed?: number; shape: number[]; fresh_generator?: boolean; tensor: string }[] }[];
}
const ref = loadReference<RngIndex>('rng');
const sha = (a: Float32Array) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

describe('TorchGenerator', () => {
  it('produces the MT19937 words of torch/numpy for every dumped seed', () => {
    for (const m of ref.index.mt19937) {
      const g = new TorchGenerator(m.seed);
      const words = Array.from({ length: m.count }, () => g.nextUint32());
      expect(words, `seed ${m.seed}`).toEqual(ref.ints(m.tensor));
    }
  });

  it('equals torch.randn bit for bit on every dumped shape (scalar path, vector path and tails)', () => {
    for (const f of ref.index.full) {
      const got = new TorchGenerator(f.seed).randn(f.numel);
      expect(sha(got), `seed ${f.seed} shape ${f.shape} (${f.path})`).toBe(f.sha256);
    }
  });

  it('equals torch.randn for the latents of all nine SDXL sizes', () => {
    for (const s of ref.index.sdxl) {
      const got = new TorchGenerator(s.seed).randn(s.numel);
      expect(sha(got), `seed ${s.seed} ${s.width}x${s.height}`).toBe(s.sha256);
      expect(Array.from(got.subarray(0, 64))).toEqual(Array.from(ref.float(s.first64)));
    }
  });

  it('reproduces shared-generator sequences (scalar cache, consecutive draws, seed truncation)', () => {
    for (const seq of ref.index.sequences) {
      const gens = new Map<number, TorchGenerator>();
      for (const d of seq.draws) {
        const seeds = d.generator_seeds ?? [d.generator_seed ?? d.seed!];
        const rows = seeds.map((seed) => {
          if (d.fresh_generator || !gens.has(seed)) gens.set(seed, new TorchGenerator(seed));
          return gens.get(seed)!.randn(numel(d.shape) / seeds.length);
        });
        const got = new Float32Array(numel(d.shape));
        rows.forEach((r, i) => got.set(r, i * r.length));
        expect(Array.from(got), `${seq.name}`).toEqual(Array.from(ref.float(d.tensor)));
      }
    }
  });
});
