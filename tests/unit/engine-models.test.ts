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
});
