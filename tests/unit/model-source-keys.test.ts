// Stored models are keyed by the origin of their bytes: the built-in id downloaded from another Hub endpoint never
// stands in for the default Hub's model, copies stored before sources were recorded are adopted only when every hash
// matches the default source, and a link's preview fetches metadata only. Two fake Hubs serve the built-in repo name.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub, tinyHub } from '../../e2e/hub-server';
import { memoryStore } from '../../src/runtime/byte-store';
import { DEFAULT_HUB_ENDPOINT } from '../../src/runtime/hub';
import { ModelCache, type StorageApi } from '../../src/runtime/model-cache';
import type { AdapterReport } from '../../src/runtime/webgpu-adapter';
import { ModelLibrary } from '../../src/worker/model-library';
import { BUILTIN_MODELS } from '../../src/schema/model-records';

const BUILTIN = BUILTIN_MODELS[0]!;
const REPO = (BUILTIN.source as { repo: string }).repo;
const MIRROR = 'https://b.test';
let a: FakeHub; // stands in for huggingface.co: the real model
let b: FakeHub; // another server with files of its own under the same repo name
beforeAll(async () => {
  const tiny = await tinyHub();
  a = new FakeHub(new Map([[REPO, tiny.repos.get('test/tiny-sdxl')!]]));
  b = new FakeHub(new Map([[REPO, tiny.repos.get('test/tiny-sdxl-sharded')!]]));
});
afterEach(() => {
  a.reset();
  b.reset();
});

const roomy: StorageApi = { estimate: async () => ({ quota: 10e9, usage: 0 }), persisted: async () => false };
const adapter: AdapterReport = { provider: 'webgpu', shaderF16: true } as AdapterReport;
/** Routes each request to the fake Hub its host names. */
const route = ((input: RequestInfo | URL, init?: RequestInit) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  return url.origin === MIRROR ? b.fetch(input, init) : url.origin === DEFAULT_HUB_ENDPOINT ? a.fetch(input, init) : Promise.reject(new TypeError(`no such host: ${url.origin}`));
}) as typeof fetch;
const cacheFor = (store: ReturnType<typeof memoryStore>, hubEndpoint?: string) =>
  new ModelCache({ store, fetch: route, storage: roomy, ...(hubEndpoint ? { hubEndpoint } : {}), sleep: async () => undefined, now: () => Date.now() });
const noUrls = () => {
  throw new Error('no direct URL reads here');
};
const bytesOf = async (files: { bytes(p: string): Promise<Uint8Array> }) => Buffer.from(await files.bytes('unet/model.onnx'));
const served = (hub: FakeHub) => Buffer.from(hub.repos.get(REPO)!.get('unet/model.onnx')!);

describe('stored models are keyed by their source', () => {
  it('the built-in id downloaded from endpoint B is not what a load from the default Hub returns', async () => {
    const store = memoryStore();
    // A page opened with ?hub=B (before: the worker's whole cache pointed at B).
    const viaB = await new ModelLibrary(cacheFor(store, MIRROR), roomy, noUrls).resolve(BUILTIN.id, adapter);
    expect((await bytesOf(viaB.files)).equals(served(b))).toBe(true);
    // A later normal visit: the default Hub.
    const normal = await new ModelLibrary(cacheFor(store), roomy, noUrls).resolve(BUILTIN.id, adapter);
    expect((await bytesOf(normal.files)).equals(served(a))).toBe(true);
    expect(a.log.filter((l) => l.bytes > 0).map((l) => l.path)).toContain('unet/model.onnx');
  });

  it('the model list keeps both apart and names the other server', async () => {
    const store = memoryStore();
    const lib = new ModelLibrary(cacheFor(store), roomy, noUrls);
    lib.setHub(MIRROR); // a link's mirror, accepted by the user
    const mirrored = await lib.resolve(BUILTIN.id, adapter);
    expect(mirrored.record).toMatchObject({ id: BUILTIN.id, source: { kind: 'hub', endpoint: MIRROR, repo: REPO } });
    lib.setHub(undefined);
    // Only the mirror's copy is stored: the widget's check for the built-in id says "not stored" (so it asks).
    expect(await lib.preview(BUILTIN.id, { sizes: false })).toMatchObject({ stored: false });
    await lib.resolve(BUILTIN.id, adapter);
    const list = await lib.list();
    expect(list.map(({ id, recordId, source, fromDefault, complete }) => ({ id, recordId, source, fromDefault, complete })).sort((x, y) => x.id.localeCompare(y.id))).toEqual([
      { id: BUILTIN.id, recordId: BUILTIN.id, source: 'huggingface.co', fromDefault: true, complete: true },
      { id: `${BUILTIN.id}@b.test`, recordId: BUILTIN.id, source: 'b.test', fromDefault: false, complete: true },
    ]);
    // The widget's check (no network): a folder id is stored; the built-in id is stored only from its own source.
    expect(await lib.preview(`${BUILTIN.id}@b.test`, { sizes: false })).toMatchObject({ stored: true, folder: `${BUILTIN.id}@b.test`, foreignHost: 'b.test' });
    expect(await lib.preview(BUILTIN.id, { sizes: false })).toMatchObject({ stored: true, folder: BUILTIN.id });
    // Loading a stored folder by its id keeps its source: the mirror's copy stays the mirror's.
    const again = await lib.resolve(`${BUILTIN.id}@b.test`, adapter);
    expect((await bytesOf(again.files)).equals(served(b))).toBe(true);
  });

  it('a copy stored by an older version (no source recorded) is adopted only when every hash matches the default Hub', async () => {
    for (const [from, adopted] of [[b, false], [a, true]] as const) {
      const store = memoryStore();
      // What the old keying left: models/<built-in id>/ with a state.json that does not say which server it came from.
      await cacheFor(store, from === b ? MIRROR : undefined).ensure(ModelLibrary.record(BUILTIN.id));
      const dir = from === b ? `${BUILTIN.id}@b.test` : BUILTIN.id;
      const moved = new Map([...store.files].map(([p, v]) => [p.replace(`models/${dir}/`, `models/${BUILTIN.id}/`), v]));
      store.files.clear();
      for (const [p, v] of moved) store.files.set(p, v);
      const state = JSON.parse(new TextDecoder().decode(store.files.get(`models/${BUILTIN.id}/state.json`)!));
      delete state.origin;
      delete state.commit;
      state.record.source = { kind: 'hub', repo: REPO, revision: 'main' };
      store.files.set(`models/${BUILTIN.id}/state.json`, new TextEncoder().encode(JSON.stringify(state)));
      a.reset();

      const lib = new ModelLibrary(cacheFor(store), roomy, noUrls);
      expect(await lib.list()).toMatchObject([{ id: BUILTIN.id, source: expect.stringContaining('unknown'), fromDefault: false }]);
      const r = await lib.resolve(BUILTIN.id, adapter);
      expect((await bytesOf(r.files)).equals(served(a)), from === b ? 'B’s copy' : 'A’s copy').toBe(true);
      const fetched = a.log.filter((l) => l.bytes > 0).length;
      const list = await lib.list();
      if (adopted) {
        expect(fetched).toBe(0); // the old copy is the default Hub's, byte for byte: nothing downloaded again
        expect(list).toMatchObject([{ id: BUILTIN.id, source: 'huggingface.co', fromDefault: true, complete: true }]);
      } else {
        expect(fetched).toBeGreaterThan(0);
        expect(list.map((m) => [m.id, m.fromDefault]).sort()).toEqual([[BUILTIN.id, false], [`${BUILTIN.id}~2`, true]]);
        // Kept apart and labelled; the built-in id (above) never reaches it.
        expect(list.find((m) => m.id === BUILTIN.id)!.source).toMatch(/unknown/);
      }
    }
  });

  it('a link preview reads metadata only: the source, the size from the listing, and nothing stored', async () => {
    const store = memoryStore();
    const lib = new ModelLibrary(cacheFor(store), roomy, noUrls);
    const p = await lib.preview(BUILTIN.id, { hub: MIRROR, sizes: true });
    const total = [...b.repos.get(REPO)!].filter(([path]) => !/README|manifest\.json/.test(path)).reduce((n, [, v]) => n + v.length, 0);
    expect(p).toMatchObject({ stored: false, foreignHost: 'b.test', source: { kind: 'hub', endpoint: MIRROR, repo: REPO, revision: 'main' } });
    expect(p.bytes).toBeGreaterThan(0.9 * total);
    expect(p.bytes).toBeLessThanOrEqual(total);
    expect(b.log).toEqual([]); // no file was requested, only the listing
    expect(store.files.size).toBe(0);
    // Once stored from exactly that source, it says so with no network; the default Hub's copy is another model.
    lib.setHub(MIRROR);
    await lib.resolve(BUILTIN.id, adapter);
    lib.setHub(undefined);
    const offline = new ModelLibrary(new ModelCache({ store, fetch: () => Promise.reject(new TypeError('offline')), storage: roomy, now: () => 1 }), roomy, noUrls);
    expect(await offline.preview(BUILTIN.id, { hub: MIRROR, sizes: true })).toMatchObject({ stored: true });
    await expect(offline.preview(BUILTIN.id, { sizes: true })).rejects.toThrow(/offline|reach/);
  });
});
