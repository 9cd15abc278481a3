// The worker's engine in Node: responses, errors as {code, message, detail} data, cancellation every step.
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/pipeline/progress';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { testDataDir } from './reference';
import { decodePng, nodeEngine } from './node-model';
import { modelDir } from './reference';

const makeEngine = nodeEngine;

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
    expect(decodePng(r.value.images[0]!.image_b64)).toMatchObject({ width: 64, height: 64 });
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

  it('names assets it does not hold instead of ignoring them (a field error listing the library)', async () => {
    const r = await engine.generate('j4', { prompt: 'a cat', vae: 'other', loras: { x: 1 } });
    expect(!r.ok && r.error.code).toBe('invalid_request');
    expect(!r.ok && r.error.detail!.map((d) => [d.loc, d.type])).toEqual([[['body', 'vae'], 'unknown_name'], [['body', 'loras', 'x'], 'unknown_name']]);
  });

  it("refuses the SDK's ControlNet fields by name (not as unknown fields) and lets log_prompt through", async () => {
    const r = await engine.generate('j4b', { prompt: 'a cat', controlnet: 'canny', controlnet_image: 'AAAA', log_prompt: true });
    expect(!r.ok && r.error.code).toBe('not_supported');
    expect(!r.ok && r.error.detail!.map((d) => [d.loc[1], d.type])).toEqual([['controlnet', 'not_supported'], ['controlnet_image', 'not_supported']]);
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

  const png = (name: string) => readFileSync(`${testDataDir}reference/images/${name}`).toString('base64');

  it('runs image-to-image from a base64 PNG (with or without a data: prefix)', async () => {
    const body = { prompt: 'an oil painting of a mountain village', steps: 4, cfg_scale: 3, seed: 5, strength: 0.6 };
    const a = await engine.generate('i1', { ...body, init_image: png('init_image.png') });
    const b = await engine.generate('i2', { ...body, init_image: `data:image/png;base64,${png('init_image.png')}` });
    if (!a.ok || !b.ok) throw new Error(JSON.stringify([a, b]));
    expect(a.value.images[0]!.image_b64).toBe(b.value.images[0]!.image_b64);
  });

  it('inpaints: pixels outside the mask are exactly the init image, inside they change', async () => {
    const r = await engine.generate('i3', { prompt: 'a red brick wall', steps: 4, cfg_scale: 3, seed: 9, strength: 1, init_image: png('init_image.png'), mask_image: png('mask.png') });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const out = decodePng(r.value.images[0]!.image_b64).rgba;
    const init = PNG.sync.read(readFileSync(`${testDataDir}reference/images/init_image.png`));
    const mask = PNG.sync.read(readFileSync(`${testDataDir}reference/images/mask.png`));
    let outside = 0;
    let changedInside = 0;
    for (let p = 0; p < 64 * 64; p++) {
      const masked = mask.data[p * 4]! >= 128;
      for (let c = 0; c < 3; c++) {
        if (!masked) expect(out[p * 4 + c]).toBe(init.data[p * 4 + c]);
        else if (out[p * 4 + c] !== init.data[p * 4 + c]) changedInside++;
      }
      if (!masked) outside++;
    }
    expect(outside).toBeGreaterThan(100);
    expect(changedInside).toBeGreaterThan(100);
  });

  it('feathers the paste-back by the maskBlur option: 0 is a hard edge, more blends wider; outside stays exact', async () => {
    const request = { prompt: 'a red brick wall', steps: 2, cfg_scale: 1, seed: 3, strength: 1, init_image: png('init_image.png'), mask_image: png('mask.png') };
    const mask = PNG.sync.read(readFileSync(`${testDataDir}reference/images/mask.png`));
    const init = PNG.sync.read(readFileSync(`${testDataDir}reference/images/init_image.png`));
    const run = async (maskBlur: number) => {
      const r = await engine.generate(`b${maskBlur}`, request, undefined, { maskBlur });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      return decodePng(r.value.images[0]!.image_b64).rgba;
    };
    const [hard, soft, wide] = [await run(0), await run(4), await run(12)];
    // Masked pixels whose colour sits between the raw decode (hard) and the original: the blended ring.
    const blended = (img: Uint8Array | Uint8ClampedArray) => {
      let n = 0;
      for (let p = 0; p < 64 * 64; p++) {
        if (mask.data[p * 4]! < 128) {
          for (let c = 0; c < 3; c++) expect(img[p * 4 + c]).toBe(init.data[p * 4 + c]);
        } else if (img[p * 4] !== hard[p * 4]) n++;
      }
      return n;
    };
    expect(blended(hard)).toBe(0);
    const ringSoft = blended(soft);
    expect(ringSoft).toBeGreaterThan(0);
    expect(blended(wide)).toBeGreaterThan(ringSoft);
    const bad = await engine.generate('b-bad', request, undefined, { maskBlur: -1 });
    expect(!bad.ok && bad.error.detail).toEqual([expect.objectContaining({ loc: ['options', 'maskBlur'] })]);
  });

  it('answers bad image data with a field error, never a crash', async () => {
    const r = await engine.generate('i4', { prompt: 'x', init_image: '%%%not base64%%%' });
    expect(!r.ok && r.error.detail).toEqual([expect.objectContaining({ loc: ['body', 'init_image'], type: 'value_error', msg: expect.stringContaining('base64') })]);
    const m = await engine.generate('i5', { prompt: 'x', init_image: png('init_image.png'), mask_image: Buffer.from('hello').toString('base64') });
    expect(!m.ok && m.error.detail!.map((d) => d.loc)).toEqual([['body', 'mask_image']]);
    expect((await engine.generate('i6', { prompt: 'x', steps: 1, seed: 1 })).ok).toBe(true);
  });

  it('refuses image modes on a model without a VAE encoder, saying what to add', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sdxl-noenc-'));
    try {
      await cp(modelDir, dir, { recursive: true, filter: (src) => !src.includes('vae_encoder') });
      const e = makeEngine();
      expect((await e.loadModel(dir)).ok).toBe(true);
      const r = await e.generate('n1', { prompt: 'x', init_image: png('init_image.png') });
      expect(!r.ok && r.error.code).toBe('not_supported');
      expect(!r.ok && r.error.detail![0]!.msg).toContain('vae_encoder');
      expect((await e.generate('n2', { prompt: 'x', steps: 1, seed: 1 })).ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('outpaints 64×64 → 96×64: the original region comes back exactly, the new area is painted', async () => {
    const init = PNG.sync.read(readFileSync(`${testDataDir}reference/images/init_image.png`));
    const canvas = new PNG({ width: 96, height: 64 });
    const mask = new PNG({ width: 96, height: 64 });
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 96; x++) {
        const p = (y * 96 + x) * 4;
        const inside = x < 64;
        for (let c = 0; c < 4; c++) canvas.data[p + c] = inside ? init.data[(y * 64 + x) * 4 + c]! : c === 3 ? 255 : 0;
        mask.data.set(inside ? [0, 0, 0, 255] : [255, 255, 255, 255], p);
      }
    }
    const b64 = (png: PNG) => PNG.sync.write(png).toString('base64');
    const r = await engine.generate('o1', {
      prompt: 'a wide landscape', width: 96, height: 64, steps: 4, cfg_scale: 3, seed: 4, strength: 0.5,
      init_image: b64(canvas), mask_image: b64(mask), outpainting: true,
    });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const out = decodePng(r.value.images[0]!.image_b64);
    expect([out.width, out.height]).toEqual([96, 64]);
    let newAreaNonBlack = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 96; x++) {
        const p = (y * 96 + x) * 4;
        if (x < 64) expect(Array.from(out.rgba.subarray(p, p + 3))).toEqual(Array.from(canvas.data.subarray(p, p + 3)));
        else if (out.rgba[p]! + out.rgba[p + 1]! + out.rgba[p + 2]! > 0) newAreaNonBlack++;
      }
    }
    expect(newAreaNonBlack).toBeGreaterThan(32 * 64 * 0.9);
  });
});
