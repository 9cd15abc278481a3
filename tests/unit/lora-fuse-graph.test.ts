// The graph index and the fuser on hand-made graphs: Identity aliases, Gemm with and without transB, and bad files named.
import { describe, expect, it } from 'vitest';
import type { LoraModule } from '../../src/pipeline/lora/lora-types';
import { memoryOverlay } from '../../src/runtime/fuse-overlay';
import { fuseLoras } from '../../src/runtime/lora-fuse';
import { ONNX } from '../../src/runtime/onnx-external-data';
import { indexOnnxGraph, resolveInitializer } from '../../src/runtime/onnx-initializers';
import { concatBytes, lengthDelimited, stringField, varintField } from '../../src/runtime/protobuf';
import { fmaAdder, initializerValues } from './lora-fixtures';

const node = (name: string, op: string, inputs: string[], output: string, transB?: number) => lengthDelimited(ONNX.GRAPH_NODE, concatBytes([
  ...inputs.map((i) => stringField(1, i)), stringField(2, output), stringField(3, name), stringField(4, op),
  ...(transB === undefined ? [] : [lengthDelimited(5, concatBytes([stringField(1, 'transB'), varintField(3, transB), varintField(20, 2)]))]),
]));

function floatTensor(name: string, dims: number[], values: Float32Array, external?: { location: string; offset: number; length: number }) {
  const entry = (k: string, v: string) => lengthDelimited(ONNX.TENSOR_EXTERNAL_DATA, concatBytes([stringField(1, k), stringField(2, v)]));
  const data = external
    ? [entry('location', external.location), entry('offset', String(external.offset)), entry('length', String(external.length)), varintField(ONNX.TENSOR_DATA_LOCATION, 1)]
    : [lengthDelimited(ONNX.TENSOR_RAW_DATA, new Uint8Array(values.buffer))];
  return lengthDelimited(ONNX.GRAPH_INITIALIZER, concatBytes([...dims.map((d) => varintField(1, d)), varintField(2, 1), stringField(8, name), ...data]));
}

const model = (parts: Uint8Array[]) => concatBytes([varintField(1, 8), lengthDelimited(ONNX.MODEL_GRAPH, concatBytes(parts))]);
const seq = (n: number, from = 1) => Float32Array.from({ length: n }, (_, i) => (from + i) / 8);

function lora(prefix: string, out: number, inn: number): LoraModule {
  return { component: 'unet', module: prefix.slice(1).replaceAll('/', '.'), nodePrefix: prefix, down: seq(2 * inn), downShape: [2, inn], up: seq(out * 2, 3), upShape: [out, 2], alphaOverRank: 0.5, keys: [] };
}

/** W [out, in] + 0.5 · B·A, laid out as the node holds it. */
function expected(m: LoraModule, w: Float32Array, layout: 'matmul' | 'gemm'): Float32Array {
  const out = m.upShape[0]!;
  const inn = m.downShape[1]!;
  const r = Float32Array.from(w);
  fmaAdder(r, layout, [], m, 1);
  expect(r.length).toBe(out * inn);
  return r;
}

describe('graph index and fusion on hand-made graphs', () => {
  it('follows Identity aliases to the initializer, and reads Gemm transB as the layout', async () => {
    const w1 = seq(6);
    const w2 = seq(6, 10);
    const w3 = seq(6, 20);
    const bytes = model([
      node('/a/Identity', 'Identity', ['w1'], 'w1_alias'),
      node('/a/b/Identity', 'Identity', ['w1_alias'], 'w1_alias2'),
      node('/a/proj/MatMul', 'MatMul', ['x', 'w1_alias2'], 'y1'),
      node('/a/emb/Gemm', 'Gemm', ['x', 'w2', 'bias'], 'y2', 1),
      node('/a/plain/Gemm', 'Gemm', ['x', 'w3'], 'y3', 0),
      floatTensor('w1', [2, 3], w1), floatTensor('w2', [3, 2], w2), floatTensor('w3', [2, 3], w3),
    ]);
    const index = indexOnnxGraph(bytes);
    expect(resolveInitializer(index, 'w1_alias2')?.name).toBe('w1');
    expect(index.nodes.get('/a/emb/Gemm')?.ints).toEqual({ transB: 1 });
    const mods = [lora('/a/proj', 3, 2), lora('/a/emb', 3, 2), lora('/a/plain', 3, 2)];
    const fused = await fuseLoras(bytes, new Map(), [{ lora: { modules: mods, unmatched: [] }, weight: 1 }], fmaAdder, memoryOverlay());
    expect(fused.warnings).toEqual([]);
    expect(fused.patched.map((p) => [p.initializer, p.layout])).toEqual([['w1', 'matmul'], ['w2', 'gemm'], ['w3', 'matmul']]);
    expect(Array.from((await initializerValues(fused, 'w1')).values)).toEqual(Array.from(expected(mods[0]!, w1, 'matmul')));
    expect(Array.from((await initializerValues(fused, 'w2')).values)).toEqual(Array.from(expected(mods[1]!, w2, 'gemm')));
    expect(Array.from((await initializerValues(fused, 'w3')).values)).toEqual(Array.from(expected(mods[2]!, w3, 'matmul')));
  });

  it('names the problem in a hostile or broken file', async () => {
    const m = lora('/a/proj', 3, 2);
    const run = (parts: Uint8Array[], shards = new Map<string, Blob>()) => fuseLoras(model(parts), shards, [{ lora: { modules: [m], unmatched: [] }, weight: 1 }], fmaAdder, memoryOverlay());
    const mm = node('/a/proj/MatMul', 'MatMul', ['x', 'w'], 'y');
    await expect(run([mm, floatTensor('w', [2, 3], seq(6), { location: 'data.bin', offset: 16, length: 24 })], new Map([['data.bin', new Blob([new Uint8Array(32)])]]))).rejects.toThrow(/w runs past the end of data\.bin/);
    await expect(run([mm, floatTensor('w', [2, 3], seq(6), { location: '../etc/passwd', offset: 0, length: 24 })])).rejects.toThrow(/plain file name/);
    await expect(run([mm, floatTensor('w', [2, 3], seq(6), { location: 'data.bin', offset: 0, length: 24 })])).rejects.toThrow(/data\.bin, which was not given/);
    await expect(run([mm, floatTensor('w', [2, 4], seq(6))])).resolves.toMatchObject({ patched: [], warnings: [expect.stringContaining('does not fit')] });
    await expect(run([mm, floatTensor('w', [3, 3], seq(6))])).resolves.toMatchObject({ patched: [], warnings: [expect.stringContaining('down [2, 2] does not fit in = 3')] });
    await expect(run([mm, floatTensor('w', [2, 3], seq(5))])).rejects.toThrow(/w \[2, 3\] should hold 24 bytes but holds 20/);
    const cycle = [node('/i1', 'Identity', ['b'], 'a'), node('/i2', 'Identity', ['a'], 'b'), node('/a/proj/MatMul', 'MatMul', ['x', 'a'], 'y')];
    await expect(run(cycle)).rejects.toThrow(/cycle/);
  });
});
