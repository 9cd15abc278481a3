// Fixing free input dims in the graph (the Node runner's static shapes): the declared dims change and nothing else, the
// outputs stay the free-dims session's, and onnxruntime-node then folds the shape arithmetic away (fewer kernels a call).
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { profileRuns } from '../../scripts/bench-real/ort-profile';
import { fixInputDims } from '../../src/runtime/onnx-fix-dims';
import { declaredInputs } from '../../src/runtime/onnx-input-dims';
import { shrinkAttentionBiases } from '../../src/runtime/onnx-attention-bias';
import { maxAbsDiff, modelDir } from './reference';
import { tinyUnetOrtFeeds } from './tiny-unet-feeds';

const DIMS = { batch_size: 2, height: 8, width: 8, sequence_length: 77 };

const feeds = (b: number, hw: number) => tinyUnetOrtFeeds(ortNode.Tensor, b, hw);

/** Kernels in the second of two profiled runs (the first may compile) of `model` on onnxruntime-node's CPU EP. */
async function kernelsPerCall(model: Uint8Array): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'fix-dims-'));
  try {
    const s = await ortNode.InferenceSession.create(model, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', enableProfiling: true, profileFilePrefix: join(dir, 'p') });
    for (let i = 0; i < 2; i++) await s.run(feeds(2, 8));
    s.endProfiling();
    await s.release();
    const file = (await readdir(dir)).find((f) => f.endsWith('.json'))!;
    return (await profileRuns(join(dir, file)))[1]!.kernels;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('fixInputDims', () => {
  const unet = shrinkAttentionBiases(new Uint8Array(readFileSync(`${modelDir}unet/model.onnx`))).model;

  it('makes the named free dims of the inputs numbers, and leaves every other dim and byte of the graph', () => {
    const before = declaredInputs(unet);
    const fixed = fixInputDims(unet, DIMS);
    expect(declaredInputs(fixed)).toEqual(before.map((i) => ({ ...i, dims: i.dims.map((d) => (typeof d === 'string' && d in DIMS ? DIMS[d as keyof typeof DIMS] : d)) })));
    expect(declaredInputs(fixed).find((i) => i.name === 'sample')!.dims).toEqual([2, 4, 8, 8]);
    // Only some dims named: the others stay free.
    expect(declaredInputs(fixInputDims(unet, { batch_size: 1 })).find((i) => i.name === 'sample')!.dims).toEqual([1, 4, 'height', 'width']);
    // No dim named: the very same bytes.
    expect(fixInputDims(unet, { nonexistent: 3 })).toBe(unet);
    // Each input's dims shrink a varint-sized string to a varint: the graph is otherwise the same length.
    expect(Math.abs(fixed.length - unet.length)).toBeLessThan(200);
  });

  it('gives the free-dims outputs on onnxruntime-node, refuses another shape, and folds the shape kernels away', { timeout: 120_000 }, async () => {
    const fixed = fixInputDims(unet, DIMS);
    const free = await ortNode.InferenceSession.create(unet, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
    const stat = await ortNode.InferenceSession.create(fixed, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
    const want = (await free.run(feeds(2, 8))).out_sample!.data as Float32Array;
    expect(maxAbsDiff((await stat.run(feeds(2, 8))).out_sample!.data as Float32Array, want)).toBeLessThan(1e-5);
    await expect(stat.run(feeds(1, 8))).rejects.toThrow(/dimension|shape/i);
    await Promise.all([free.release(), stat.release()]);
    const [freeKernels, staticKernels] = [await kernelsPerCall(unet), await kernelsPerCall(fixed)];
    console.log(JSON.stringify({ tiny_unet_kernels_per_call: { free_dims: freeKernels, static: staticKernels } }));
    expect(staticKernels).toBeLessThan(freeKernels);
  });
});
