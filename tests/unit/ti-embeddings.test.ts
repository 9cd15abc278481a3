// growTokenEmbedding beyond the fixture's inline fp32 encoders: fp16 (inline and external), Identity aliases, bad graphs.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { floatsToHalf, toHalf } from '../../src/pipeline/float16';
import { shardOnnxModel } from '../../src/runtime/onnx-shard';
import { writeOnnxModel } from '../../src/runtime/onnx-writer';
import { growComponent, growTokenEmbedding, TOKEN_EMBEDDING_GATHER } from '../../src/runtime/ti-embeddings';
import { dirModelFiles } from './node-model';
import { modelDir } from './reference';
import { editGraph, externalInitializer, renameNode, replaceInitializer, tensorOf } from './ti-onnx';

ort.env.wasm.numThreads = 1;
const EMBEDDING = 'text_model.embeddings.token_embedding.weight';
const encoderModel = () => dirModelFiles(modelDir).bytes('text_encoder/model.onnx');
const ROWS = Float32Array.from({ length: 3 * 32 }, (_, i) => Math.sin(i) * 1.7);
const bytesOf = (a: Float32Array | Uint16Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The fixture's text encoder with its token embedding rewritten as float16 (the rounded values). */
async function fp16Encoder(): Promise<{ model: Uint8Array; halves: Uint8Array }> {
  const model = await encoderModel();
  const t = tensorOf(model, EMBEDDING);
  const halves = bytesOf(floatsToHalf(new Float32Array(t.raw!.slice().buffer)));
  return { model: replaceInitializer(model, EMBEDDING, 10, t.dims, halves), halves };
}

/** A tiny graph: ids → Identity alias of a [4, 2] embedding → the CLIP-named Gather. */
function aliasedGatherModel(): Uint8Array {
  const model = writeOnnxModel({
    name: 'ti-alias',
    inputs: [{ name: 'ids', type: 'int64', dims: [1, 2] }],
    outputs: [{ name: 'out', type: 'float32', dims: [1, 2, 2] }],
    nodes: [
      { op: 'Identity', inputs: ['table'], outputs: ['alias'] },
      { op: 'Identity', inputs: ['alias'], outputs: ['alias2'] },
      { op: 'Gather', inputs: ['alias2', 'ids'], outputs: ['out'] },
    ],
    constants: [{ name: 'table', type: 'float32', dims: [4, 2], values: [0, 1, 10, 11, 20, 21, 30, 31] }],
  });
  return renameNode(model, 'Gather_2', TOKEN_EMBEDDING_GATHER);
}

describe('growTokenEmbedding', () => {
  it('grows a float16 embedding: old halves kept, new rows rounded to half', async () => {
    const { model, halves } = await fp16Encoder();
    const grown = growTokenEmbedding(model, ROWS, 32);
    const t = tensorOf(grown.model, EMBEDDING);
    expect([grown.type, grown.rowsBefore, t.dataType, ...t.dims]).toEqual(['float16', 49408, 10, 49411, 32]);
    expect(Buffer.from(t.raw!.subarray(0, halves.length)).equals(Buffer.from(halves))).toBe(true);
    expect(Array.from(new Uint16Array(t.raw!.slice(halves.length).buffer))).toEqual(Array.from(ROWS, toHalf));
  });

  it('grows a float16 embedding stored as external data, and leaves the other initializers as they were', async () => {
    const { model, halves } = await fp16Encoder();
    const sharded = shardOnnxModel(model, { maxShardBytes: 1 << 30 });
    const shard = sharded.shards.get('model.onnx_data')!;
    const { source, grown } = growComponent({ model: sharded.model, externalData: [{ path: 'model.onnx_data', data: new Blob([shard as Uint8Array<ArrayBuffer>]) }] }, ROWS, 32);
    expect(source.externalData.map((e) => e.path)).toEqual(['model.onnx_data', 'token_embedding.ti_data']);
    const overlay = new Uint8Array(await (source.externalData[1]!.data as Blob).arrayBuffer());
    expect(overlay.length).toBe(halves.length + ROWS.length * 2);
    expect(Buffer.from(overlay.subarray(0, halves.length)).equals(Buffer.from(halves))).toBe(true);
    expect(Array.from(new Uint16Array(overlay.slice(halves.length).buffer))).toEqual(Array.from(ROWS, toHalf));
    expect(grown.overlay!.offset).toBe(Number(tensorOf(sharded.model, EMBEDDING).external!.offset));
    // Every other initializer is byte for byte the sharded model's.
    const others = (m: Uint8Array) => { const out: Uint8Array[] = []; editGraph(m, (f) => { if (f.field === 5) out.push(m.slice(f.start, f.end)); return undefined; }); return out; };
    const before = others(sharded.model);
    const after = others(grown.model);
    expect(after).toHaveLength(before.length);
    expect(after.filter((b, i) => !Buffer.from(b).equals(Buffer.from(before[i]!)))).toHaveLength(1);
  });

  it('picks an overlay name no external-data file has', async () => {
    const sharded = shardOnnxModel(await encoderModel(), { maxShardBytes: 1 << 30, baseName: 'token_embedding.ti_data' });
    expect(growTokenEmbedding(sharded.model, ROWS, 32).overlay!.path).toBe('token_embedding.ti_data_1');
  });

  it('follows Identity aliases to the stored table, and the grown graph gathers the new rows', async () => {
    const grown = growTokenEmbedding(aliasedGatherModel(), Float32Array.from([40, 41, 50, 51]), 2);
    expect([grown.initializer, grown.rowsBefore]).toEqual(['table', 4]);
    const session = await ort.InferenceSession.create(grown.model);
    const out = await session.run({ ids: new ort.Tensor('int64', BigInt64Array.from([5n, 1n]), [1, 2]) });
    expect(Array.from(out.out!.data as Float32Array)).toEqual([50, 51, 10, 11]);
    await session.release();
  });

  it('refuses graphs it cannot grow, naming the problem', async () => {
    const model = await encoderModel();
    expect(() => growTokenEmbedding(model, new Float32Array(768), 768)).toThrow(/is \[49408, 32\]; textual-inversion vectors of 768 values/);
    expect(() => growTokenEmbedding(model, ROWS.subarray(0, 40), 32)).toThrow(/not whole vectors of 32/);
    expect(() => growTokenEmbedding(renameNode(model, TOKEN_EMBEDDING_GATHER, 'other'), ROWS, 32)).toThrow(/has no node \/text_model\/embeddings\/token_embedding\/Gather/);
    const t = tensorOf(model, EMBEDDING);
    expect(() => growTokenEmbedding(replaceInitializer(model, EMBEDDING, 11, t.dims, t.raw!), ROWS, 32)).toThrow(/element type 11; only float32 and float16/);
    expect(() => growTokenEmbedding(replaceInitializer(model, EMBEDDING, 1, t.dims, t.raw!.subarray(0, 64)), ROWS, 32)).toThrow(/expected 6324224 bytes of raw data/);
    expect(() => growTokenEmbedding(renameNode(aliasedGatherModel(), 'Identity_0', 'x'), ROWS, 32)).toThrow(/is \[4, 2\]/);
  });

  it('refuses an external embedding whose length does not match its dims, or whose file is missing or too short', async () => {
    const sharded = shardOnnxModel(await encoderModel(), { maxShardBytes: 1 << 30 });
    const shard = sharded.shards.get('model.onnx_data')!;
    expect(() => growComponent({ model: sharded.model, externalData: [] }, ROWS, 32)).toThrow(/stored in "model.onnx_data", which was not loaded/);
    expect(() => growComponent({ model: sharded.model, externalData: [{ path: 'model.onnx_data', data: shard.subarray(0, 100) }] }, ROWS, 32)).toThrow(/runs past the end of "model.onnx_data"/);
    const lying = externalInitializer(sharded.model, EMBEDDING, [49408, 32], { location: 'model.onnx_data', offset: '0', length: '100' });
    expect(() => growTokenEmbedding(lying, ROWS, 32)).toThrow(/length 100; \[49408, 32\] needs 6324224 bytes/);
    const negative = externalInitializer(sharded.model, EMBEDDING, [49408, 32], { location: 'model.onnx_data', offset: '-8' });
    expect(() => growTokenEmbedding(negative, ROWS, 32)).toThrow(/offset -8/);
    const escape = externalInitializer(sharded.model, EMBEDDING, [49408, 32], { location: '../secret.bin' });
    expect(() => growTokenEmbedding(escape, ROWS, 32)).toThrow(/only a plain file name/);
  });
});
