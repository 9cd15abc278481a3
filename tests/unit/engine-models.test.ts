// The engine loading models through the cache: Hub ids and records, the lazily fetched VAE encoder of a text-to-image
// export, GPU-feature refusals, and a local folder read in place.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyHub, type FakeHub } from '../../e2e/hub-server';
import { memoryStore } from '../../src/runtime/byte-store';
import { ModelCache } from '../../src/runtime/model-cache';
import { Engine } from '../../src/worker/engine';
import { modelDir, testDataDir } from './reference';
import { nodeEngine, nodeEngineDeps } from './node-model';

const HUB = 'http://hub.test';
let hub: FakeHub;
beforeAll(async () => {
  hub = await tinyHub();
});

/** The Node engine with a model cache over the fake Hub, as the worker has one over OPFS and the real Hub. */
function cachedEngine(): Engine {
  const store = memoryStore();
  const storage = { estimate: async () => ({ quota: 1e10, usage: 0 }), persisted: async () => false };
  return new Engine({
    ...nodeEngineDeps(), ort,
    cache: () => new ModelCache({ store, fetch: (i, init) => hub.fetch(i, init), storage, hubEndpoint: HUB, now: () => Date.now(), sleep: async () => undefined }),
    storage,
  });
}
const png = (name: string) => readFile(`${testDataDir}reference/images/${name}`).then((b) => b.toString('base64'));

describe('Engine with the model cache', () => {
  it('loads a Hub repo id through the cache and generates; the report names the record', async () => {
    const e = cachedEngine();
    const r = await e.loadModel('test/tiny-sdxl');
    expect(r.ok && r.value).toMatchObject({ cached: true, record: { id: 'test-tiny-sdxl', source: { kind: 'hub', repo: 'test/tiny-sdxl' } }, hasVaeEncoder: true });
    expect((await e.generate('g', { prompt: 'x', steps: 1, seed: 1 })).ok).toBe(true);
    expect(await e.cachedModels()).toMatchObject([{ id: 'test-tiny-sdxl', complete: true }]);
  });

  it('fetches the VAE encoder a record takes from another repo only when image-to-image first needs it', async () => {
    hub.reset();
    const e = cachedEngine();
    const record = {
      id: 'noenc', name: 'text-to-image export', source: { kind: 'hub', repo: 'test/tiny-sdxl-noenc' },
      components: { vae_encoder: { source: { kind: 'hub', repo: 'test/tiny-sdxl' }, lazy: true } },
    } as const;
    const r = await e.loadModel(record);
    expect(r.ok && r.value.hasVaeEncoder).toBe(false);
    expect(hub.log.filter((l) => l.path.startsWith('vae_encoder/'))).toEqual([]);
    const request = { prompt: 'an oil painting of a mountain village', width: 64, height: 64, steps: 4, cfg_scale: 3, seed: 5, strength: 0.6, init_image: await png('init_image.png') };
    const lazy = await e.generate('i', request);
    if (!lazy.ok) throw new Error(JSON.stringify(lazy.error));
    expect(hub.log.filter((l) => l.path === 'vae_encoder/model.onnx' && l.bytes > 0).map((l) => l.repo)).toEqual(['test/tiny-sdxl']);
    // Same pixels as the model that had its encoder all along.
    const plain = nodeEngine();
    await plain.loadModel(modelDir);
    const whole = await plain.generate('p', request);
    expect(whole.ok && whole.value.images[0]!.image_b64).toBe(lazy.value.images[0]!.image_b64);
  });

  it('refuses an fp16 model on a backend without shader-f16, saying why', async () => {
    const e = cachedEngine();
    const r = await e.loadModel({ id: 'fp16', name: 'An fp16 export', source: { kind: 'hub', repo: 'test/tiny-sdxl' }, requires: { shaderF16: true } });
    expect(!r.ok && r.error).toMatchObject({ code: 'model_load_failed', message: expect.stringContaining('needs WebGPU with the shader-f16 feature') });
    expect(await e.cachedModels()).toEqual([]);
  });

  it('low-memory mode frees the text encoders after each prompt is encoded, and the next run brings them back unchanged', async () => {
    const e = nodeEngine();
    await e.loadModel(modelDir);
    const request = { prompt: 'a red fox', steps: 2, cfg_scale: 3, seed: 11 };
    const first = await e.generate('m1', request);
    const all = e.memory()!;
    expect(all.components.text_encoder).toMatchObject({ resident: true });
    expect(await e.setReleaseTextEncoders(true)).toMatchObject({ releaseTextEncoders: true, residentBytes: all.residentBytes - all.components.text_encoder!.bytes - all.components.text_encoder_2!.bytes });
    const second = await e.generate('m2', request);
    const third = await e.generate('m3', request);
    // Released again after each run; the images are the same as with the encoders kept.
    expect(e.memory()!.components.text_encoder_2).toMatchObject({ resident: false });
    for (const r of [second, third]) expect(r.ok && r.value.images[0]!.image_b64).toBe(first.ok && first.value.images[0]!.image_b64);
    expect((await e.setReleaseTextEncoders(false))!.residentBytes).toBe(all.residentBytes);
  });

  it('reads a local folder in place (the files of a picked directory), copying nothing into the cache', async () => {
    const files: Record<string, Blob> = {};
    for (const entry of await readdir(modelDir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      files[`tiny-sdxl/${relative(modelDir, full)}`] = new Blob([await readFile(full)]);
    }
    const e = cachedEngine();
    const r = await e.loadModel({ local: { name: 'tiny-sdxl', files } });
    expect(r.ok && r.value).toMatchObject({ cached: false, location: 'local:tiny-sdxl/' });
    expect((await e.generate('l', { prompt: 'x', steps: 1, seed: 1 })).ok).toBe(true);
    expect(await e.cachedModels()).toEqual([]);
  });

  it('imports a local folder into the cache (only the files the model uses), which then loads by id without it', async () => {
    const files: Record<string, Blob> = { 'tiny-sdxl/README.md': new Blob(['not part of the model']) };
    for (const entry of await readdir(modelDir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      files[`tiny-sdxl/${relative(modelDir, full)}`] = new Blob([await readFile(full)]);
    }
    const e = cachedEngine();
    const r = await e.loadModel({ local: { name: 'tiny-sdxl', files }, import: true });
    expect(r.ok && r.value).toMatchObject({ cached: true, record: { id: 'local-tiny-sdxl', source: { kind: 'local' } } });
    const [stored] = await e.cachedModels();
    expect(stored).toMatchObject({ id: 'local-tiny-sdxl', complete: true });
    expect(stored!.bytes).toBeLessThan(Object.values(files).reduce((n, b) => n + b.size, 0));
    expect(await e.verifyModel('local-tiny-sdxl')).toEqual({ ok: true, bad: [] });
    // A fresh engine over the same storage would find it by id; here: load another model, then it again by id.
    expect((await e.loadModel('test/tiny-sdxl')).ok).toBe(true);
    const again = await e.loadModel('local-tiny-sdxl');
    expect(again.ok && again.value).toMatchObject({ cached: true, location: 'cache:local-tiny-sdxl/' });
    expect((await e.generate('imp', { prompt: 'x', steps: 1, seed: 1 })).ok).toBe(true);
  });
});
