// ΔW and fused initializers bit for bit against torch/peft (lora_layers.json): MatMul (Wᵀ), 3×3 Conv, text encoder, one
// LoRA and the kohya 0.6 + diffusers 0.8 pair in request order; plus the layout checks that refuse a misfit weight.
import { describe, expect, it } from 'vitest';
import { parseLora } from '../../src/pipeline/lora/parse-lora';
import { addLoraDeltaExact, loraDelta, loraScaling } from '../../src/pipeline/lora/lora-delta';
import { fuseOrder } from '../../src/pipeline/lora/fuse-order';
import type { LoraModule, ParsedLora, WeightLayout } from '../../src/pipeline/lora/lora-types';
import { loadReference } from './reference';
import { readAsset } from './safetensors-build';

interface Adapter { adapter: string; file: string; weight: number; scaling: number; tensors: Record<'lora_down_A' | 'lora_up_B' | 'delta_torch' | 'delta_initializer_layout', string> }
interface Layer {
  variant: string; loras: { name: string; weight: number }[]; component: LoraModule['component']; module: string;
  onnx: { node: string; shape: number[]; layout: 'in_out' | 'out_in' | 'out_in_kh_kw' };
  tensors: Record<'base_initializer' | 'fused_initializer', string>; adapters: Adapter[];
}

const ref = loadReference<{ layers: Layer[] }>('lora_layers', 'tiny-sdxl-assets/reference');
const LAYOUT: Record<Layer['onnx']['layout'], WeightLayout> = { in_out: 'matmul', out_in: 'gemm', out_in_kh_kw: 'conv' };
const parsedFiles = new Map<string, ParsedLora>();
const parsedFile = (file: string) => {
  if (!parsedFiles.has(file)) parsedFiles.set(file, parseLora(readAsset(file), { layersPerBlock: 2, file }));
  return parsedFiles.get(file)!;
};
const moduleOf = (l: Layer, a: Adapter) => parsedFile(a.file).modules.find((m) => m.component === l.component && m.module === l.module)!;
/** The torch layout of a weight: [out, in] for a Linear (what a Gemm node holds), [out, in, kh, kw] for a Conv. */
const torchLayout = (l: Layer): [WeightLayout, number[]] => (l.onnx.layout === 'in_out' ? ['gemm', [l.onnx.shape[1]!, l.onnx.shape[0]!]] : [LAYOUT[l.onnx.layout], l.onnx.shape]);

/** Positions where the float32 bit patterns differ. */
function bitDiffs(got: Float32Array, want: Float32Array): number[] {
  expect(got.length).toBe(want.length);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const out: number[] = [];
  for (let i = 0; i < g.length; i++) if (g[i] !== w[i]) out.push(i);
  return out;
}

describe.each(ref.index.layers.map((l) => [`${l.variant} ${l.component} ${l.module}`, l] as const))('%s', (_name, l) => {
  const layout = LAYOUT[l.onnx.layout];

  it.each(l.adapters.map((a) => [a.adapter, a] as const))('%s: A, B, scaling and ΔW (initializer and torch layouts) are torch\'s bit for bit', (_a, a) => {
    const m = moduleOf(l, a);
    expect(bitDiffs(m.down, ref.float(a.tensors.lora_down_A))).toEqual([]);
    expect(bitDiffs(m.up, ref.float(a.tensors.lora_up_B))).toEqual([]);
    expect(loraScaling(m, a.weight)).toBe(Math.fround(a.scaling));
    expect(bitDiffs(loraDelta(layout, l.onnx.shape, m, a.weight), ref.float(a.tensors.delta_initializer_layout))).toEqual([]);
    const [tl, tdims] = torchLayout(l);
    expect(bitDiffs(loraDelta(tl, tdims, m, a.weight), ref.float(a.tensors.delta_torch))).toEqual([]);
  });

  it('fuses into the initializer bit for bit, adapters added in request order through fuseOrder', () => {
    const parsed = new Map(l.adapters.map((a) => [a.adapter, parsedFile(a.file)]));
    const targets = fuseOrder(l.loras.map((x) => [x.name, x.weight] as const), parsed);
    const prefix = l.onnx.node.slice(0, l.onnx.node.lastIndexOf('/'));
    const target = targets.find((t) => t.component === l.component && t.nodePrefix === prefix)!;
    expect(target.steps.map((s) => [s.lora, s.weight])).toEqual(l.adapters.map((a) => [a.adapter, a.weight]));
    const w = ref.float(l.tensors.base_initializer).slice();
    for (const s of target.steps) addLoraDeltaExact(w, layout, l.onnx.shape, s.module, s.weight);
    expect(bitDiffs(w, ref.float(l.tensors.fused_initializer))).toEqual([]);
  });

  it('differs from torch when the products are rounded before the sum (the comparison can see a wrong method)', () => {
    const a = l.adapters[0]!;
    const m = moduleOf(l, a);
    const s = loraScaling(m, a.weight);
    const [rank, inner, out] = [m.downShape[0]!, m.down.length / m.downShape[0]!, m.upShape[0]!];
    const naive = new Float32Array(out * inner);
    for (let o = 0; o < out; o++) {
      for (let j = 0; j < inner; j++) {
        let acc = 0;
        for (let r = 0; r < rank; r++) acc = Math.fround(acc + Math.fround(m.up[o * rank + r]! * m.down[r * inner + j]!));
        naive[o * inner + j] = Math.fround(acc * s);
      }
    }
    expect(bitDiffs(naive, ref.float(a.tensors.delta_torch)).length).toBeGreaterThan(naive.length / 20);
  });
});

describe('ΔW layout checks', () => {
  const m = parsedFile('loras/lora_kohya.safetensors').modules.find((x) => x.module === 'down_blocks.0.resnets.0.conv1')!;
  const q = parsedFile('loras/lora_kohya.safetensors').modules.find((x) => x.module === 'down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q')!;

  it('refuse a weight the module does not fit, naming the module', () => {
    expect(() => loraDelta('conv', [32, 32, 1, 1], m, 1)).toThrow(/down_blocks\.0\.resnets\.0\.conv1.*does not fit the conv weight \[32, 32, 1, 1\]/);
    expect(() => loraDelta('matmul', [64, 32], q, 1)).toThrow(/does not fit the matmul weight/);
    expect(() => addLoraDeltaExact(new Float32Array(10), 'matmul', [64, 64], q, 1)).toThrow(/holds 10 values/);
  });

  it('writes Wᵀ for MatMul and W for Gemm from the same module', () => {
    const t = loraDelta('matmul', [64, 64], q, 1);
    const g = loraDelta('gemm', [64, 64], q, 1);
    const back = new Float32Array(64 * 64);
    for (let o = 0; o < 64; o++) for (let i = 0; i < 64; i++) back[o * 64 + i] = t[i * 64 + o]!;
    expect(bitDiffs(back, g)).toEqual([]);
  });
});

describe('fuseOrder', () => {
  it('refuses an unparsed name or a non-finite weight', () => {
    const p = { a: { modules: [], unmatched: [] } };
    expect(() => fuseOrder({ b: 1 }, p)).toThrow(/"b" was not parsed/);
    expect(() => fuseOrder({ a: NaN }, p)).toThrow(/weight NaN/);
    expect(() => fuseOrder({ toString: 1 }, p)).toThrow(/not parsed/);
    expect(() => fuseOrder([['a', 1], ['a', 0.5]], p)).toThrow(/"a" is listed twice/);
  });
});
