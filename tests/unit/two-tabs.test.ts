// Two tabs sharing one model store (issue 10): downloading the same model at once fetches each file once and leaves it
// verified (one lock per model), and a model deleted in one tab gives the other a clear 'model_deleted' on its next
// generation instead of a crash or a garbage image; loading it again works.
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinyHub, type FakeHub } from '../../e2e/hub-server';
import { memoryStore } from '../../src/runtime/byte-store';
import { ModelCache } from '../../src/runtime/model-cache';
import { MODELS_CHANNEL, storeCoordination, type StoreCoordination } from '../../src/runtime/store-locks';
import { parseModelRecord } from '../../src/schema/model-record';
import { Engine } from '../../src/worker/engine';
import { nodeEngineDeps } from './node-model';

const HUB = 'http://hub.test';
let hub: FakeHub;
beforeAll(async () => {
  hub = await tinyHub();
});
const storage = { estimate: async () => ({ quota: 1e10, usage: 0 }), persisted: async () => false };
const store = memoryStore();
const cacheFor = (coordination: StoreCoordination) =>
  new ModelCache({ store, fetch: (i, init) => hub.fetch(i, init), storage, hubEndpoint: HUB, now: () => Date.now(), sleep: async () => undefined, coordination });

/** Two tabs' BroadcastChannels (Node's is the real thing, between objects of one process as between tabs). */
const channels: BroadcastChannel[] = [];
const tabCoordination = () => {
  const c = new BroadcastChannel(MODELS_CHANNEL);
  channels.push(c);
  return storeCoordination(undefined, c as never);
};
afterAll(() => channels.forEach((c) => c.close()));

describe('two tabs, one store', () => {
  it('downloading the same model at once: every file crosses the network once, and both get the verified model', async () => {
    hub.reset();
    const shared = storeCoordination(); // one lock manager, as Web Locks is one per origin
    // Its own repo name: stores are keyed by source, and the next test's model must not be found in this folder.
    const record = parseModelRecord({ id: 'twin', name: 'twin', source: { kind: 'hub', repo: 'test/tiny-sdxl-twotabs' } });
    if (!record.ok) throw new Error(record.errors.join());
    const [a, b] = await Promise.all([cacheFor(shared).ensure(record.record), cacheFor(shared).ensure(record.record)]);
    const gets = hub.log.filter((l) => l.method === 'GET' && !l.path.startsWith('api/'));
    const paths = gets.map((l) => l.path);
    expect(paths.length).toBeGreaterThan(5);
    expect(new Set(paths).size).toBe(paths.length);
    expect(await cacheFor(shared).verify('twin')).toEqual({ ok: true, bad: [] });
    expect(a.storeKey).toBe(b.storeKey);
  });

  it('a model deleted in tab A: tab B says model_deleted on its next generate, and loading it again works', async () => {
    const coordA = tabCoordination();
    const coordB = tabCoordination();
    // Tab B has the model loaded; tab A only deletes it (as from its "Models on this device" list).
    const b = new Engine({ ...nodeEngineDeps(), ort, cache: () => cacheFor(coordB), storage });
    expect((await b.loadModel('test/tiny-sdxl')).ok).toBe(true);
    const request = { prompt: 'a lighthouse', width: 64, height: 64, steps: 2, seed: 7 };
    const before = await b.generate('1', request);
    expect(before.ok).toBe(true);

    const heard = new Promise<string>((resolve) => {
      coordB.onDeleted(resolve);
      setTimeout(() => resolve('no word of the delete reached tab B'), 5000);
    });
    await cacheFor(coordA).remove('test-tiny-sdxl');
    expect(await heard).toBe('models/test-tiny-sdxl');
    const after = await b.generate('2', request);
    expect(after).toEqual({ ok: false, error: { code: 'model_deleted', message: expect.stringMatching(/deleted from this device .*load it again/) } });

    // Loading again fetches it again (not the stale sessions), and generates the same image as before.
    hub.reset();
    expect(await b.loadModel('test/tiny-sdxl')).toMatchObject({ ok: true });
    expect(hub.log.some((l) => l.path === 'unet/model.onnx')).toBe(true);
    const again = await b.generate('3', request);
    expect(again.ok && before.ok && again.value.images[0]!.image_b64 === before.value.images[0]!.image_b64).toBe(true);
  }, 300_000); // two model loads and three generations: slow on a busy machine
});
