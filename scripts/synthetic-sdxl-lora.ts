// A synthetic SDXL UNet for the LoRA benchmark, generated on disk (never committed): the real UNet's attention and
// feed-forward MatMul weights (fp16 random, [in, out]) in external-data shards, and a rank-r LoRA over all of them.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoraModule, ParsedLora } from '../src/pipeline/lora/lora-types';
import { ONNX } from '../src/runtime/onnx-external-data';
import { toHalf } from '../src/pipeline/float16';
import { concatBytes, lengthDelimited, stringField, varintField } from '../src/runtime/protobuf';

export interface LinearSpec {
  module: string;
  nodePrefix: string;
  inn: number;
  out: number;
}

/** SDXL base: channels 320/640/1280, transformer layers 0/2/10 down, 10 mid, up mirrored (3 attentions each); `div` scales C and the 2048 context. */
export function sdxlLinears(div = 1): LinearSpec[] {
  const specs: LinearSpec[] = [];
  const ctx = 2048 / div;
  const attention = (path: string, c: number, layers: number) => {
    const add = (sub: string, inn: number, out: number) => {
      const module = `${path}.${sub}`;
      // diffusers' path → the exporter's node scope: a '.' before a list index stays, the others become '/'.
      specs.push({ module, nodePrefix: `/${module.replace(/\.(?!\d)/g, '/')}`, inn, out });
    };
    add('proj_in', c, c);
    for (let t = 0; t < layers; t++) {
      const b = `transformer_blocks.${t}`;
      for (const p of ['to_q', 'to_k', 'to_v', 'to_out.0']) add(`${b}.attn1.${p}`, c, c);
      add(`${b}.attn2.to_q`, c, c);
      add(`${b}.attn2.to_k`, ctx, c);
      add(`${b}.attn2.to_v`, ctx, c);
      add(`${b}.attn2.to_out.0`, c, c);
      add(`${b}.ff.net.0.proj`, c, 8 * c);
      add(`${b}.ff.net.2`, 4 * c, c);
    }
    add('proj_out', c, c);
  };
  const [c1, c2] = [640 / div, 1280 / div];
  for (let a = 0; a < 2; a++) attention(`down_blocks.1.attentions.${a}`, c1, 2);
  for (let a = 0; a < 2; a++) attention(`down_blocks.2.attentions.${a}`, c2, 10);
  attention('mid_block.attentions.0', c2, 10);
  for (let a = 0; a < 3; a++) attention(`up_blocks.0.attentions.${a}`, c2, 10);
  for (let a = 0; a < 3; a++) attention(`up_blocks.1.attentions.${a}`, c1, 2);
  return specs;
}

/** A 32-bit LCG: fast, seeded, good enough for weights nobody runs. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
}

function externalTensor(name: string, dims: number[], location: string, offset: number, length: number): Uint8Array {
  const entry = (k: string, v: string) => lengthDelimited(ONNX.TENSOR_EXTERNAL_DATA, concatBytes([stringField(ONNX.ENTRY_KEY, k), stringField(ONNX.ENTRY_VALUE, v)]));
  return concatBytes([...dims.map((d) => varintField(1, d)), varintField(2, 10), stringField(ONNX.TENSOR_NAME, name),
    entry('location', location), entry('offset', String(offset)), entry('length', String(length)), varintField(ONNX.TENSOR_DATA_LOCATION, 1)]);
}

/** Writes model.onnx_data[_i] shards of at most `maxShardBytes` into `dir`; returns model.onnx's bytes and the shard names. */
export async function writeSyntheticUnet(dir: string, specs: LinearSpec[], maxShardBytes: number): Promise<{ model: Uint8Array; shards: string[]; weightBytes: number }> {
  const rand = lcg(1);
  const nodes: Uint8Array[] = [];
  const inits: Uint8Array[] = [];
  const shards: string[] = [];
  let file: Awaited<ReturnType<typeof open>> | undefined;
  let used = 0;
  let total = 0;
  for (const [i, s] of specs.entries()) {
    const bytes = s.inn * s.out * 2;
    if (!file || (used > 0 && used + bytes > maxShardBytes)) {
      await file?.close();
      shards.push(shards.length === 0 ? 'model.onnx_data' : `model.onnx_data_${shards.length}`);
      file = await open(join(dir, shards.at(-1)!), 'w');
      used = 0;
    }
    const halves = new Uint16Array(s.inn * s.out);
    const scale = 2 / Math.sqrt(s.inn);
    for (let j = 0; j < halves.length; j++) halves[j] = toHalf(rand() * scale);
    await file.write(new Uint8Array(halves.buffer), 0, bytes, used);
    const name = `onnx::MatMul_${i}`;
    inits.push(lengthDelimited(ONNX.GRAPH_INITIALIZER, externalTensor(name, [s.inn, s.out], shards.at(-1)!, used, bytes)));
    nodes.push(lengthDelimited(ONNX.GRAPH_NODE, concatBytes([stringField(1, `x${i}`), stringField(1, name), stringField(2, `y${i}`), stringField(3, `${s.nodePrefix}/MatMul`), stringField(4, 'MatMul')])));
    used += bytes;
    total += bytes;
  }
  await file?.close();
  const graph = concatBytes([...nodes, stringField(2, 'synthetic_sdxl_unet'), ...inits]);
  const model = concatBytes([varintField(1, 8), lengthDelimited(ONNX.MODEL_GRAPH, graph), lengthDelimited(8, concatBytes([stringField(1, ''), varintField(2, 17)]))]);
  return { model, shards, weightBytes: total };
}

/** A rank-`rank` LoRA over every linear (A ~ U/√in, B small), alpha = rank / 2. */
export function syntheticLora(specs: LinearSpec[], rank: number): ParsedLora {
  const rand = lcg(2);
  const modules = specs.map((s): LoraModule => ({
    component: 'unet', module: s.module, nodePrefix: s.nodePrefix,
    down: Float32Array.from({ length: rank * s.inn }, () => rand() * 3.4 / Math.sqrt(s.inn)), downShape: [rank, s.inn],
    up: Float32Array.from({ length: s.out * rank }, () => rand() * 0.02), upShape: [s.out, rank],
    alphaOverRank: 0.5, keys: [],
  }));
  return { modules, unmatched: [] };
}
