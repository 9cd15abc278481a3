// The Node engine's sessions have static shapes like the browser's: one onnxruntime-node session per call shape, made
// from the file path with freeDimensionOverrides, the first at the model's default size, with a free-dims session's outputs.
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { dirModelFiles } from '../../src/node/dir-files';
import { nodeOrt } from '../../src/node/load-node-model';
import { nodeSessionOpener, type SessionEvent as OpenedEvent } from '../../src/node/node-sessions';
import type { SessionEvent } from '../../src/runtime/component-session';
import { loadSdxl } from '../../src/runtime/load-sdxl';
import { RunClock } from '../../src/runtime/ort-runner';
import { maxAbsDiff, modelDir } from './reference';
import { tinyUnetFeeds, tinyUnetOrtFeeds } from './tiny-unet-feeds';

const ortFeeds = (b: number, hw: number) => tinyUnetOrtFeeds(ortNode.Tensor, b, hw);

describe('static shapes on the Node runner (onnxruntime-node, CPU EP)', () => {
  it('opens each component for its call shape, a new shape on a new session, with the free-dims outputs', { timeout: 300_000 }, async () => {
    const events: string[] = [];
    const opened: OpenedEvent[] = [];
    const model = await loadSdxl(dirModelFiles(modelDir), {
      ort: nodeOrt, provider: 'cpu', clock: new RunClock(),
      openSession: nodeSessionOpener(ortNode, { provider: 'cpu', onSession: (e) => opened.push(e) }),
      onSession: (e: SessionEvent) => events.push(`${e.component} ${e.kind} ${'key' in e ? e.key : ''}`),
    });
    try {
      // At load: every component made for the model's default size (64², so an 8² latent), UNet batch 1, 77 tokens.
      expect(events).toEqual([
        'text_encoder created batch_size=1,sequence_length=77',
        'text_encoder_2 created batch_size=1,sequence_length=77',
        'unet created batch_size=1,height=8,sequence_length=77,width=8',
        'vae_decoder created batch_size=1,latent_height=8,latent_width=8',
        'vae_encoder created batch_size=1,sample_height=64,sample_width=64',
      ]);
      // The overrides reach onnxruntime-node: the load-time UNet session refuses a batch-2 call.
      const unetSession = opened.find((e) => e.component === 'unet')!.session;
      await expect(unetSession.run(ortFeeds(2, 8))).rejects.toThrow(/batch|dimension|shape/i);

      const free = await ortNode.InferenceSession.create(`${modelDir}unet/model.onnx`, { executionProviders: ['cpu'], graphOptimizationLevel: 'all' });
      for (const [b, hw] of [[1, 8], [2, 12], [1, 8]] as const) {
        const want = (await free.run(ortFeeds(b, hw))).out_sample!.data as Float32Array;
        const got = (await model.components.unet.run(tinyUnetFeeds(b, hw))).out_sample!;
        expect(got.dims).toEqual([b, 4, hw, hw]);
        expect(maxAbsDiff(got.data as Float32Array, want)).toBeLessThan(1e-5);
      }
      await free.release();
      // The second shape got its own session, once; going back to the first reused it.
      expect(events.slice(5)).toEqual(['unet created batch_size=2,height=12,sequence_length=77,width=12']);
      expect(opened.filter((e) => e.component === 'unet')).toHaveLength(2);
    } finally {
      await model.release();
    }
  });
});
