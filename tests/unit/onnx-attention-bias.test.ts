// The baddbmm attention bias shrunk to one element: found in the exported UNet and VAE, nowhere else; the rewritten
// graphs give the very same outputs; and static shapes at 1024² now make a session (before: std::bad_alloc at load).
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { indexOnnxGraph } from '../../src/runtime/onnx-initializers';
import { ONE_ELEMENT_SHAPE, shrinkAttentionBiases } from '../../src/runtime/onnx-attention-bias';
import { modelDir } from './reference';

ort.env.wasm.numThreads = 1;
const graph = (component: string) => new Uint8Array(readFileSync(`${modelDir}${component}/model.onnx`));

/** Deterministic inputs of the given shapes (a small LCG: no test depends on Math.random). */
function feeds(shapes: Record<string, number[]>): Record<string, ort.Tensor> {
  let s = 12345;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Object.fromEntries(Object.entries(shapes).map(([name, dims]) => {
    const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, next);
    return [name, new ort.Tensor('float32', data, dims)];
  }));
}

async function run(model: Uint8Array, inputs: Record<string, ort.Tensor>, overrides: Record<string, number>): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3, freeDimensionOverrides: overrides });
  try {
    const out = await session.run(inputs);
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('shrinkAttentionBiases', () => {
  it('rewrites every attention of the UNet and the VAE, none of the text encoders, and only once', () => {
    const counts = Object.fromEntries(['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'].map((c) => [c, shrinkAttentionBiases(graph(c)).rewritten]));
    // The tiny UNet: 2 resolutions with transformers × (attn1 + attn2) = 24; each VAE: its mid-block attention.
    expect(counts).toEqual({ text_encoder: 0, text_encoder_2: 0, unet: 24, vae_decoder: 1, vae_encoder: 1 });
    const once = shrinkAttentionBiases(graph('unet'));
    const again = shrinkAttentionBiases(once.model);
    expect(again.rewritten).toBe(0);
    expect(again.model).toBe(once.model); // the same bytes back, not a copy
    const index = indexOnnxGraph(once.model);
    expect(index.initializers.get(ONE_ELEMENT_SHAPE)?.dims).toEqual([1]);
    expect([...index.nodes.values()].filter((n) => n.inputs[0] === ONE_ELEMENT_SHAPE).map((n) => n.op)).toEqual(Array(24).fill('ConstantOfShape'));
  });

  it('gives bit-identical UNet and VAE decoder outputs at a static shape', async () => {
    const unetIn = feeds({ sample: [2, 4, 16, 16], encoder_hidden_states: [2, 77, 64], text_embeds: [2, 32], time_ids: [2, 6] });
    unetIn.timestep = new ort.Tensor('float32', Float32Array.of(500), []);
    const unetDims = { batch_size: 2, height: 16, width: 16, sequence_length: 77 };
    const [before, after] = [await run(graph('unet'), unetIn, unetDims), await run(shrinkAttentionBiases(graph('unet')).model, unetIn, unetDims)];
    expect(after).toEqual(before);
    const vaeIn = feeds({ latent_sample: [1, 4, 16, 16] });
    const vaeDims = { batch_size: 1, latent_height: 16, latent_width: 16 };
    expect(await run(shrinkAttentionBiases(graph('vae_decoder')).model, vaeIn, vaeDims)).toEqual(await run(graph('vae_decoder'), vaeIn, vaeDims));
  });

  it('lets a static 1024² batch-2 UNet session be made (the unshrunk graph folds GBs of zeros: std::bad_alloc)', async () => {
    const session = await ort.InferenceSession.create(shrinkAttentionBiases(graph('unet')).model, {
      executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3,
      freeDimensionOverrides: { batch_size: 2, height: 128, width: 128, sequence_length: 77 },
    });
    expect(session.inputNames).toContain('sample');
    await session.release();
  }, 60_000);
});
