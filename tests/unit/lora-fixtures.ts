// Test helpers for LoRA fusion: LoRAs built from the tiny-sdxl-assets references, reference ΔW adders, initializer readers.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { DeltaAdder, LoraComponent, LoraModule, ParsedLora, WeightLayout } from '../../src/pipeline/lora/lora-types';
import type { FusedModel } from '../../src/runtime/lora-fuse';
import { indexOnnxGraph, type GraphIndex } from '../../src/runtime/onnx-initializers';
import { decodeWeights } from '../../src/runtime/weight-bytes';
import { loadReference, testDataDir } from './reference';

export const assetsDir = `${testDataDir}tiny-sdxl-assets/`;

interface LayerIndex {
  layers: {
    variant: string;
    component: LoraComponent;
    module: string;
    onnx: { model: string; node: string; initializer: string; shape: number[] };
    tensors: { base_initializer: string; fused_initializer: string };
    adapters: { adapter: string; rank: number; alpha: number | null; weight: number; tensors: { lora_down_A: string; lora_up_B: string } }[];
  }[];
  fused_unet_onnx: { checks: { case: string; inputs: Record<string, string>; out_sample: string }[] };
}

export const layers = loadReference<LayerIndex>('lora_layers', 'tiny-sdxl-assets/reference');

const prefixOf = (node: string) => node.slice(0, node.lastIndexOf('/'));

/** One documented layer as the fuser takes it: per adapter a one-module ParsedLora and its weight. */
export function layerCase(i: number) {
  const l = layers.index.layers[i]!;
  const entries = l.adapters.map((a) => {
    const down = layers.tensor(a.tensors.lora_down_A);
    const up = layers.tensor(a.tensors.lora_up_B);
    const m: LoraModule = {
      component: l.component, module: l.module, nodePrefix: prefixOf(l.onnx.node),
      down: Float32Array.from(down.data as Float32Array), downShape: down.shape,
      up: Float32Array.from(up.data as Float32Array), upShape: up.shape,
      alphaOverRank: a.alpha === null ? 1 : a.alpha / a.rank, keys: [],
    };
    return { lora: { modules: [m], unmatched: [] } as ParsedLora, weight: a.weight };
  });
  return { layer: l, entries, modelPath: `${testDataDir}${l.onnx.model}`, fused: layers.float(l.tensors.fused_initializer), base: layers.float(l.tensors.base_initializer) };
}

interface KeyEntry { component: LoraComponent; module: string; keys: { down: string; up: string; alpha?: string }; onnx: { node: string } }

/** A minimal safetensors reader (F32 only), enough for the fixture files. */
function readSafetensors(path: string): Map<string, { data: Float32Array; shape: number[] }> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { data: Float32Array; shape: number[] }>();
  for (const [key, t] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const bytes = buf.subarray(8 + n + t.data_offsets[0], 8 + n + t.data_offsets[1]);
    out.set(key, { data: new Float32Array(Uint8Array.from(bytes).buffer), shape: t.shape });
  }
  return out;
}

/** A fixture LoRA file's modules of one component, mapped to ONNX nodes through loras/lora_keys.json (what the parser derives). */
export function fixtureLora(name: 'tiny-kohya' | 'tiny-diffusers', component: LoraComponent = 'unet'): ParsedLora {
  const keys = JSON.parse(readFileSync(`${assetsDir}loras/lora_keys.json`, 'utf8')).files[name];
  const tensors = readSafetensors(`${assetsDir}${keys.file}`);
  const modules = (keys.entries as KeyEntry[]).filter((e) => e.component === component).map((e): LoraModule => {
    const down = tensors.get(e.keys.down)!;
    const up = tensors.get(e.keys.up)!;
    const rank = down.shape[0]!;
    const alpha = e.keys.alpha ? tensors.get(e.keys.alpha)!.data[0]! : rank;
    return { component, module: e.module, nodePrefix: prefixOf(e.onnx.node), down: down.data, downShape: down.shape, up: up.data, upShape: up.shape, alphaOverRank: alpha / rank, keys: [e.keys.down, e.keys.up] };
  });
  return { modules, unmatched: [] };
}

/** ΔW[o, j] (j over in·kh·kw) for one module, by `term(b, a, acc)` accumulated over r = 0…R-1, then scaled. */
function delta(m: LoraModule, weight: number, term: (b: number, a: number, acc: number) => number, round: (x: number) => number) {
  const rank = m.downShape[0]!;
  const k = m.down.length / rank;
  const out = m.up.length / rank;
  const s = round(weight * m.alphaOverRank);
  const d = new Float64Array(out * k);
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let r = 0; r < rank; r++) acc = term(m.up[o * rank + r]!, m.down[r * k + j]!, acc);
      d[o * k + j] = round(acc * s);
    }
  }
  return { d, out, k };
}

function addInto(base: Float32Array, layout: WeightLayout, d: Float64Array, out: number, k: number) {
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < k; j++) {
      const at = layout === 'matmul' ? j * out + o : o * k + j;
      base[at] = base[at]! + d[o * k + j]!;
    }
  }
}

/** torch's float32 ΔW with fused multiply-adds (the product of two floats is exact in a double): ≤ 1 ulp of the exact adder. */
export const fmaAdder: DeltaAdder = (base, layout, _dims, m, weight) => {
  const { d, out, k } = delta(m, weight, (b, a, acc) => Math.fround(b * a + acc), Math.fround);
  addInto(base, layout, d, out, k);
};

/** ΔW in float64 throughout, then W + ΔW rounded once (the yardstick for the fast path). */
export const float64Adder: DeltaAdder = (base, layout, _dims, m, weight) => {
  const { d, out, k } = delta(m, weight, (b, a, acc) => b * a + acc, (x) => x);
  addInto(base, layout, d, out, k);
};

const indexes = new WeakMap<Uint8Array, GraphIndex>();

/** An initializer's values as the fused model holds them (model.onnx or its external-data Blob). */
export async function initializerValues(fused: Pick<FusedModel, 'model' | 'externalData'>, name: string): Promise<{ values: Float32Array; raw: Uint8Array }> {
  let index = indexes.get(fused.model);
  if (!index) indexes.set(fused.model, (index = indexOnnxGraph(fused.model)));
  const init = index.initializers.get(name);
  if (!init?.data) throw new Error(`no initializer ${name}`);
  let raw: Uint8Array;
  if (init.data.kind === 'inline') raw = fused.model.slice(init.data.start, init.data.end);
  else {
    const { location, offset, length } = init.data;
    const blob = fused.externalData.find((e) => e.path === location)!.data;
    raw = new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
  }
  return { values: decodeWeights(raw, init.dataType), raw };
}

/** ULP distance between two float32 values. */
export function ulps(a: number, b: number): number {
  const f = new Float32Array([a, b]);
  const i = new Int32Array(f.buffer);
  const key = (x: number) => (x < 0 ? -2147483648 - x : x);
  return Math.abs(key(i[0]!) - key(i[1]!));
}

/** Byte equality without vitest's element-by-element diffing (slow on megabytes). */
export function expectSameBytes(a: Uint8Array, b: Uint8Array) {
  expect(a.length).toBe(b.length);
  expect(Buffer.compare(a, b)).toBe(0);
}
