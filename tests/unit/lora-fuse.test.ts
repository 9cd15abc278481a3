// LoRA fusion into ONNX initializers: the documented layers, inline vs external-data vs sharded models, fp16, the
// overlay's size, what is read from the shards, unknown modules, and the fused UNet against torch's fused UNet.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import type { LoraModule, ParsedLora } from '../../src/pipeline/lora/lora-types';
import { toHalf } from '../../src/pipeline/float16';
import { fuseComponent } from '../../src/runtime/fuse-component';
import { memoryOverlay } from '../../src/runtime/fuse-overlay';
import type { ModelFiles } from '../../src/runtime/model-files';
import { fuseLoras } from '../../src/runtime/lora-fuse';
import { ONNX } from '../../src/runtime/onnx-external-data';
import { DATA_TYPE, indexOnnxGraph } from '../../src/runtime/onnx-initializers';
import { shardOnnxModel } from '../../src/runtime/onnx-shard';
import { concatBytes, lengthDelimited, scanFields, varintField } from '../../src/runtime/protobuf';
import { decodeWeights } from '../../src/runtime/weight-bytes';
import { expectSameBytes, fixtureLora, fmaAdder, initializerValues, layerCase, layers, ulps } from './lora-fixtures';
import { maxAbsDiff, modelDir } from './reference';

const unetBytes = () => new Uint8Array(readFileSync(`${modelDir}unet/model.onnx`));
const blobs = (shards: Map<string, Uint8Array>) => new Map([...shards].map(([k, v]) => [k, new Blob([v.slice()])]));
const kohya = () => [{ lora: fixtureLora('tiny-kohya'), weight: 1 }];

/** The model with the named float32 initializers rewritten as float16 TensorProtos (data_type 10, raw_data halves). */
function withFp16(model: Uint8Array, names: Set<string>): Uint8Array {
  const tensor = (from: number, to: number) => {
    const fields = scanFields(model, from, to);
    const name = new TextDecoder().decode(model.subarray(fields.find((f) => f.field === ONNX.TENSOR_NAME)!.valueStart, fields.find((f) => f.field === ONNX.TENSOR_NAME)!.valueEnd));
    if (!names.has(name)) return model.subarray(from, to);
    const raw = fields.find((f) => f.field === ONNX.TENSOR_RAW_DATA)!;
    const halves = Uint16Array.from(decodeWeights(model.subarray(raw.valueStart, raw.valueEnd), DATA_TYPE.FLOAT), toHalf);
    return concatBytes(fields.map((f) => {
      if (f.field === 2) return varintField(2, DATA_TYPE.FLOAT16);
      if (f === raw) return lengthDelimited(ONNX.TENSOR_RAW_DATA, new Uint8Array(halves.buffer));
      return model.subarray(f.start, f.end);
    }));
  };
  return concatBytes(scanFields(model).map((f) => {
    if (f.field !== ONNX.MODEL_GRAPH) return model.subarray(f.start, f.end);
    const graph = scanFields(model, f.valueStart, f.valueEnd).map((g) => (g.field === ONNX.GRAPH_INITIALIZER ? lengthDelimited(g.field, tensor(g.valueStart, g.valueEnd)) : model.subarray(g.start, g.end)));
    return lengthDelimited(ONNX.MODEL_GRAPH, concatBytes(graph));
  }));
}

describe('LoRA fusion', () => {
  it('fuses the documented layers into fused_initializer bit for bit (with a fused-multiply-add test adder), one and two LoRAs', async () => {
    for (let i = 0; i < layers.index.layers.length; i++) {
      const c = layerCase(i);
      const model = new Uint8Array(readFileSync(c.modelPath));
      const fused = await fuseLoras(model, new Map(), c.entries, fmaAdder, memoryOverlay());
      expect(fused.warnings).toEqual([]);
      expect(fused.patched.map((p) => [p.node, p.initializer, p.dims])).toEqual([[c.layer.onnx.node, c.layer.onnx.initializer, c.layer.onnx.shape]]);
      const { values } = await initializerValues(fused, c.layer.onnx.initializer);
      expect(values.length).toBe(c.fused.length);
      let worst = 0;
      for (let j = 0; j < values.length; j++) worst = Math.max(worst, ulps(values[j]!, c.fused[j]!));
      // The fused initializer bit for bit: reading, the float32 adds in LoRA order and writing back lose nothing.
      expect(worst, `${c.layer.variant} ${c.layer.module}`).toBe(0);
      expect(maxAbsDiff(values, c.base)).toBeGreaterThan(0);
      expect(fused.model === model).toBe(false); // a copy: the stored bytes are untouched (not .not.toBe: it deep-compares megabytes)
      expect(model.length).toBe(fused.model.length);
    }
  });

  it('patches the same initializers in an inline, an external-data and a multi-shard UNet', async () => {
    const model = unetBytes();
    const inline = await fuseLoras(model, new Map(), kohya(), fmaAdder, memoryOverlay(), { component: 'unet' });
    const one = shardOnnxModel(model, { maxShardBytes: 1e9 });
    const two = shardOnnxModel(model, { maxShardBytes: Math.ceil(model.length / 2) });
    expect(one.shards.size).toBe(1);
    expect(two.shards.size).toBeGreaterThanOrEqual(2);
    const ext = await fuseLoras(one.model, blobs(one.shards), kohya(), fmaAdder, memoryOverlay());
    const multi = await fuseLoras(two.model, blobs(two.shards), kohya(), fmaAdder, memoryOverlay());
    expect(inline.patched).toHaveLength(30);
    expect(inline.warnings).toEqual([]);
    expect(new Set(multi.patched.map((p) => p.location)).size).toBeGreaterThanOrEqual(2);
    for (const p of inline.patched) {
      const a = await initializerValues(inline, p.initializer);
      expectSameBytes((await initializerValues(ext, p.initializer)).raw, a.raw);
      expectSameBytes((await initializerValues(multi, p.initializer)).raw, a.raw);
    }
    // Everything else is byte for byte what was stored, and the overlay holds exactly the patched weights.
    expect(ext.model).toBe(one.model);
    expect(ext.overlayBytes).toBe(ext.patched.reduce((n, p) => n + p.bytes, 0));
    expect(multi.overlayBytes).toBe(ext.overlayBytes);
    const index = indexOnnxGraph(two.model);
    for (const e of multi.externalData) {
      const got = new Uint8Array(await e.data.arrayBuffer());
      const want = two.shards.get(e.path)!.slice();
      for (const p of multi.patched.filter((x) => x.location === e.path)) {
        const d = index.initializers.get(p.initializer)!.data!;
        if (d.kind === 'external') want.set(got.subarray(d.offset, d.offset + d.length), d.offset);
      }
      expect(got.length).toBe(want.length);
      expect(Buffer.compare(got, want)).toBe(0);
    }
    for (const e of multi.externalData) expect(e.data.size).toBe(two.shards.get(e.path)!.length);
  });

  it('reads only the patched initializers from the shards, never the untouched ranges', async () => {
    const two = shardOnnxModel(unetBytes(), { maxShardBytes: 3_000_000 });
    const reads: [string, number, number][] = [];
    const counted = new Map([...blobs(two.shards)].map(([name, blob]) => {
      const wrapper = Object.create(blob) as Blob;
      Object.defineProperty(wrapper, 'size', { value: blob.size });
      wrapper.slice = (start?: number, end?: number) => {
        const part = blob.slice(start, end);
        const read = part.arrayBuffer.bind(part);
        part.arrayBuffer = () => (reads.push([name, start ?? 0, end ?? blob.size]), read());
        part.stream = () => { throw new Error('stream() of a shard slice'); };
        part.bytes = () => { throw new Error('bytes() of a shard slice'); };
        return part;
      };
      return [name, wrapper] as const;
    }));
    const fused = await fuseLoras(two.model, counted, kohya(), fmaAdder, memoryOverlay());
    const index = indexOnnxGraph(two.model);
    const expected = fused.patched.map((p) => {
      const d = index.initializers.get(p.initializer)!.data!;
      return d.kind === 'external' ? [d.location, d.offset, d.offset + d.length] : undefined;
    });
    expect(reads).toEqual(expected);
    expect(reads.reduce((n, [, a, b]) => n + b - a, 0)).toBe(fused.overlayBytes);
  });

  it('fuses float16 weights in float32 and stores fp16(base + ΔW), inline and external alike', async () => {
    const base = unetBytes();
    const probe = await fuseLoras(base, new Map(), kohya(), fmaAdder, memoryOverlay());
    const names = new Set(probe.patched.map((p) => p.initializer));
    const half = withFp16(base, names);
    const fused = await fuseLoras(half, new Map(), kohya(), fmaAdder, memoryOverlay());
    const sharded = shardOnnxModel(half, { maxShardBytes: 2_000_000 });
    const fusedExt = await fuseLoras(sharded.model, blobs(sharded.shards), kohya(), fmaAdder, memoryOverlay());
    expect(fused.patched).toHaveLength(30);
    for (const p of fused.patched) {
      const init = indexOnnxGraph(half).initializers.get(p.initializer)!;
      expect(init.dataType).toBe(DATA_TYPE.FLOAT16);
      const before = await initializerValues({ model: half, externalData: [] }, p.initializer);
      // The reference: the same adder on the fp16 values widened to float32, rounded to fp16 once.
      const want = Float32Array.from(before.values);
      const m = fixtureLora('tiny-kohya').modules.find((x) => x.module === p.modules[0]) as LoraModule;
      fmaAdder(want, p.layout, p.dims, m, 1);
      const got = await initializerValues(fused, p.initializer);
      expectSameBytes(got.raw, new Uint8Array(Uint16Array.from(want, toHalf).buffer));
      expectSameBytes((await initializerValues(fusedExt, p.initializer)).raw, got.raw);
      expect(p.bytes).toBe(want.length * 2);
    }
    expect(fusedExt.overlayBytes).toBe(fused.patched.reduce((n, p) => n + p.bytes, 0));
  });

  it('reports modules this model lacks, or whose shapes do not fit, by name, and fuses the rest', async () => {
    const good = fixtureLora('tiny-kohya').modules[0]!;
    const missing: LoraModule = { ...good, module: 'down_blocks.9.attentions.0.proj_in', nodePrefix: '/down_blocks.9/attentions.0/proj_in' };
    const misfit: LoraModule = { ...fixtureLora('tiny-kohya').modules[1]!, downShape: [4, 32], down: new Float32Array(128) };
    const lora: ParsedLora = { modules: [missing, good, misfit], unmatched: [] };
    const fused = await fuseLoras(unetBytes(), new Map(), [{ lora, weight: 1 }], fmaAdder, memoryOverlay());
    expect(fused.patched.map((p) => p.modules)).toEqual([[good.module]]);
    expect(fused.warnings).toHaveLength(2);
    expect(fused.warnings[0]).toContain('down_blocks.9.attentions.0.proj_in');
    expect(fused.warnings[1]).toContain(misfit.module);
    expect(fused.warnings[1]).toContain('[4, 32]');
  });

  it('applies several LoRAs one after the other to a weight both touch, and skips weight 0', async () => {
    const model = unetBytes();
    const k = fixtureLora('tiny-kohya');
    const d = fixtureLora('tiny-diffusers');
    const both = await fuseLoras(model, new Map(), [{ lora: k, weight: 0.6 }, { lora: d, weight: 0.8 }], fmaAdder, memoryOverlay());
    const shared = both.patched.filter((p) => p.modules.length === 2);
    expect(shared).toHaveLength(5);
    const kOnly = await fuseLoras(model, new Map(), [{ lora: k, weight: 0.6 }, { lora: d, weight: 0 }], fmaAdder, memoryOverlay());
    expect(kOnly.patched.every((p) => p.modules.length === 1)).toBe(true);
    const twoSteps = await fuseLoras(kOnly.model, new Map(), [{ lora: d, weight: 0.8 }], fmaAdder, memoryOverlay());
    for (const p of shared) expectSameBytes((await initializerValues(both, p.initializer)).raw, (await initializerValues(twoSteps, p.initializer)).raw);
  });

  it('fuses a stored component read through ModelFiles, handing the store\'s Blobs to the fuser', async () => {
    const two = shardOnnxModel(unetBytes(), { maxShardBytes: 3_000_000 });
    const stored = new Map<string, Uint8Array>([['unet/model.onnx', two.model], ...[...two.shards].map(([k, v]) => [`unet/${k}`, v] as [string, Uint8Array])]);
    const asked: string[] = [];
    const files: ModelFiles = {
      location: 'memory:/',
      bytes: async (p) => (asked.push(`bytes ${p}`), stored.get(p)!),
      blob: async (p) => (asked.push(`blob ${p}`), new Blob([stored.get(p)!.slice()])),
      json: async <T,>() => ({}) as T,
      exists: async (p) => stored.has(p),
    };
    const viaFiles = await fuseComponent(files, 'unet', kohya(), fmaAdder, memoryOverlay());
    expect(asked).toEqual(['bytes unet/model.onnx', ...[...two.shards.keys()].map((k) => `blob unet/${k}`)]);
    const direct = await fuseLoras(two.model, blobs(two.shards), kohya(), fmaAdder, memoryOverlay());
    expect(viaFiles.externalData.map((e) => e.path)).toEqual([...two.shards.keys()]);
    for (const p of direct.patched) expectSameBytes((await initializerValues(viaFiles, p.initializer)).raw, (await initializerValues(direct, p.initializer)).raw);
  });

  it('a session on the fused external-data UNet matches the kohya-fused torch UNet within 1e-4', async () => {
    const sharded = shardOnnxModel(unetBytes(), { maxShardBytes: 3_000_000 });
    const fused = await fuseLoras(sharded.model, blobs(sharded.shards), kohya(), fmaAdder, memoryOverlay());
    expect(fused.patched).toHaveLength(30);
    const session = await ort.InferenceSession.create(fused.model, { executionProviders: ['wasm'], externalData: fused.externalData });
    try {
      for (const check of layers.index.fused_unet_onnx.checks) {
        const feeds = Object.fromEntries(Object.entries(check.inputs).map(([name, key]) => {
          const t = layers.tensor(key);
          return [name, new ort.Tensor('float32', Float32Array.from(t.data as Float32Array), t.shape)];
        }));
        const out = await session.run(feeds);
        const want = layers.float(check.out_sample);
        expect(maxAbsDiff(out.out_sample!.data as Float32Array, want), check.case).toBeLessThan(1e-4);
      }
    } finally {
      await session.release();
    }
  });
});
