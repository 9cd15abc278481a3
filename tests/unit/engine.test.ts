// The worker's engine in Node: responses, errors as {code, message, detail} data, cancellation every step.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/pipeline/progress';
import { Engine } from '../../src/worker/engine';
import { dirModelFiles } from './node-model';
import { modelDir } from './reference';

function makeEngine() {
  return new Engine({
    ort,
    probe: async () => ({ provider: 'wasm', shaderF16: false, fallbackReason: 'Node test' }),
    files: (url) => dirModelFiles(url),
    // A stand-in encoder that keeps the pixels, so the test can check what would be encoded.
    encodeImage: async (rgba) => new Uint8Array(rgba.buffer.slice(0)),
    randomSeed: () => 123456,
    now: () => performance.now(),
  });
}

describe('Engine', () => {
  const engine = makeEngine();

  it('refuses to generate before a model is loaded', async () => {
    const r = await makeEngine().generate('j0', { prompt: 'x' });
    expect(r).toEqual({ ok: false, error: { code: 'model_not_loaded', message: expect.stringContaining('loadModel') } });
  });

  it('loads the model once and reports its size rule', async () => {
    const r = await engine.loadModel(modelDir);
    expect(r.ok && r.value.sizeRule).toEqual({ kind: 'range', min: 64, max: 1024, multiple: 8 });
    expect(r.ok && r.value.defaultSize).toEqual([64, 64]);
    const again = await engine.loadModel(modelDir);
    expect(again.ok && r.ok && again.value.load_ms).toBe(r.ok && r.value.load_ms);
  });

  it('answers with the OctoAI response shape, one seed per image, N, N+1, …', async () => {
    const r = await engine.generate('j1', { prompt: 'a cat', steps: 2, cfg_scale: 1, seed: 41, num_images: 2 });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    expect(r.value.images.map((i) => [i.seed, i.width, i.height, i.removed_for_safety])).toEqual([[41, 64, 64, false], [42, 64, 64, false]]);
    expect(r.value.images[0]!.image_b64.length).toBeGreaterThan(100);
    expect(r.value.latency_ms).toBeGreaterThan(0);
  });

  it('draws a random seed when none is given and reports it', async () => {
    const r = await engine.generate('j2', { prompt: 'a cat', steps: 1, cfg_scale: 1 });
    expect(r.ok && r.value.images[0]!.seed).toBe(123456);
  });

  it('returns schema violations as invalid_request with the 422 detail', async () => {
    const r = await engine.generate('j3', { prompt: 'a cat', width: 1004, height: 64, steps: 0 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('invalid_request');
    expect(r.error.detail!.map((d) => d.loc)).toEqual([['body', 'steps'], ['body', 'width']]);
  });

  it('names fields it cannot honour yet instead of ignoring them', async () => {
    const r = await engine.generate('j4', { prompt: 'a cat', vae: 'other', loras: { x: 1 } });
    expect(!r.ok && r.error.code).toBe('not_supported');
    expect(!r.ok && r.error.detail!.map((d) => d.loc[1])).toEqual(['loras', 'vae']);
  });

  it('cancels between UNet calls and says so', async () => {
    const events: ProgressEvent[] = [];
    const pending = engine.generate('j5', { prompt: 'a cat', steps: 6, cfg_scale: 3 }, (e) => {
      events.push(e);
      if (e.stage === 'denoise' && e.step === 2) engine.cancel('j5');
    });
    const r = await pending;
    expect(r).toEqual({ ok: false, error: { code: 'cancelled', message: 'Generation was cancelled.' } });
    expect(events.filter((e) => e.stage === 'denoise').map((e) => e.step)).toEqual([1, 2]);
    // The engine is still usable afterwards.
    expect((await engine.generate('j6', { prompt: 'a cat', steps: 1, cfg_scale: 1, seed: 1 })).ok).toBe(true);
  });

  it('records where the time went: text encode, UNet per call, VAE, overhead', async () => {
    await engine.generate('j7', { prompt: 'a cat', steps: 3, cfg_scale: 3, seed: 2 });
    const s = engine.lastStats()!;
    expect(s.unet_ms_per_call).toHaveLength(3);
    expect(s.session_run_ms).toBeLessThanOrEqual(s.total_ms);
    expect(s.pipeline_overhead_ms).toBeCloseTo(s.total_ms - s.session_run_ms, 6);
  });
});
