// Full-latent transfers: the ledger's arithmetic, and what the engine reports for the CPU denoise loop on the fixture (wasm in Node).
import { describe, expect, it } from 'vitest';
import { latentTransfers, TransferLedger } from '../../src/runtime/transfer-ledger';
import { nodeEngine } from './node-model';
import { modelDir } from './reference';

describe('transfer ledger', () => {
  it('counts by component, direction and shape since a mark', () => {
    const ledger = new TransferLedger();
    ledger.record('unet', 'upload', [2, 4, 8, 8]);
    const m = ledger.mark();
    ledger.record('unet', 'upload', [2, 4, 8, 8]);
    ledger.record('unet', 'upload', [2, 4, 8, 8]);
    ledger.record('unet', 'readback', [2, 4, 8, 8]);
    ledger.record('vae_decoder', 'upload', [1, 4, 8, 8]);
    expect(ledger.since(m)).toEqual([
      { component: 'unet', direction: 'upload', dims: [2, 4, 8, 8], count: 2 },
      { component: 'unet', direction: 'readback', dims: [2, 4, 8, 8], count: 1 },
      { component: 'vae_decoder', direction: 'upload', dims: [1, 4, 8, 8], count: 1 },
    ]);
  });

  it('a full-latent transfer is any batch of the latent shape, in the components of the loop', () => {
    const entries = [
      { component: 'unet', direction: 'upload' as const, dims: [2, 4, 8, 8], count: 3 },
      { component: 'unet', direction: 'upload' as const, dims: [2, 77, 64], count: 3 }, // text embeddings
      { component: 'unet', direction: 'upload' as const, dims: [4, 8, 8], count: 1 }, // rank differs
      { component: 'unet', direction: 'readback' as const, dims: [1, 4, 8, 8], count: 3 },
      { component: 'cfg', direction: 'readback' as const, dims: [1, 4, 8, 8], count: 2 },
      { component: 'vae_decoder', direction: 'upload' as const, dims: [1, 4, 8, 8], count: 1 },
      { component: 'unet', direction: 'readback' as const, dims: [1, 4, 8, 16], count: 5 }, // another size
    ];
    expect(latentTransfers(entries, [4, 8, 8], (c) => c !== 'vae_decoder')).toEqual({ uploads: 3, readbacks: 5 });
  });
});

describe('engine stats of the CPU denoise loop (fixture, wasm)', () => {
  const engine = nodeEngine();

  it('reads every UNet output back and uploads every sample: one of each per step, for CFG and without', async () => {
    const loaded = await engine.loadModel(modelDir);
    expect(loaded.ok).toBe(true);
    for (const [cfg, images, steps] of [[3, 1, 4], [1, 2, 3]] as const) {
      const r = await engine.generate(`t${cfg}`, { prompt: 'a cat', steps, cfg_scale: cfg, seed: 5, num_images: images });
      expect(r.ok).toBe(true);
      const stats = engine.lastStats()!;
      expect(stats.denoise_loop).toBe('cpu');
      expect(stats.denoise_steps).toBe(steps * images);
      expect(stats.unet_ms_per_call).toHaveLength(steps * images);
      // The sample goes up and the noise prediction comes back once per UNet call (batch 2 with CFG is one tensor).
      expect([stats.readbacks_per_step, stats.uploads_per_step]).toEqual([1, 1]);
      // No JS WebGPU here: the device-level figures are not counted, and say so.
      expect([stats.dispatches_per_unet_call, stats.unet_encode_cpu_ms, stats.peak_gpu_mb, stats.gpu]).toEqual([null, null, null, null]);
    }
  });

  it('batched num_images: the same PNGs from one UNet call per step, so half a readback per image-step', async () => {
    const body = { prompt: 'a cat', steps: 2, cfg_scale: 3, seed: [5, 6], num_images: 2 };
    const sequential = await engine.generate('seq', body);
    const batched = await engine.generate('bat', body, undefined, { imageBatch: 'batched' });
    if (!sequential.ok || !batched.ok) throw new Error('generation failed');
    expect(batched.value.images.map((i) => i.image_b64)).toEqual(sequential.value.images.map((i) => i.image_b64));
    const stats = engine.lastStats()!;
    expect(stats.unet_ms_per_call).toHaveLength(2);
    expect([stats.denoise_steps, stats.readbacks_per_step, stats.uploads_per_step]).toEqual([4, 0.5, 0.5]);
  });

  it('refuses an unknown batching option, naming it', async () => {
    const r = await engine.generate('bad', { prompt: 'a cat' }, undefined, { cfgBatch: 'sideways' as never });
    expect(r).toEqual({ ok: false, error: { code: 'invalid_request', message: 'The generation options are invalid.', detail: [
      { loc: ['options', 'cfgBatch'], msg: "cfgBatch must be one of 'batched' or 'split'.", type: 'value_error' },
    ] } });
  });
});
