// Model records, Hub responses, the layout check, resumable verified downloads and the model cache — against the fake
// Hub (the same one the e2e tests serve over HTTP), with an in-memory store standing in for OPFS.
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub, tinyHub } from '../../e2e/hub-server';
import { generate as txt2img } from '../../src/pipeline/generate';
import { memoryStore } from '../../src/runtime/byte-store';
import { DownloadError, downloadFile, partialPath } from '../../src/runtime/download-file';
import { parseHubModelInfo } from '../../src/runtime/hub';
import { loadSdxl, type LoadedModel } from '../../src/runtime/load-sdxl';
import { ModelCache, QuotaError, LayoutError, cachedModelFiles, type StorageApi } from '../../src/runtime/model-cache';
import { planLayout } from '../../src/runtime/model-layout';
import { RunClock } from '../../src/runtime/ort-runner';
import { BUILTIN_MODELS } from '../../src/schema/model-records';
import { parseModelRecord, recordFromUserInput, type ModelRecord } from '../../src/schema/model-record';
import { tinyModel } from './node-model';

const HUB = 'http://hub.test';
let hub: FakeHub;
beforeAll(async () => {
  hub = await tinyHub();
});

const sizeOf = (repo: string) => [...hub.repos.get(repo)!.values()].reduce((n, b) => n + b.length, 0);
const noSleep = async () => undefined;
const roomy: StorageApi = { estimate: async () => ({ quota: 10e9, usage: 0 }), persist: async () => true, persisted: async () => false };
const record = (repo: string, id = repo.split('/')[1]!): ModelRecord => {
  const r = parseModelRecord({ id, name: repo, source: { kind: 'hub', repo } });
  if (!r.ok) throw new Error(r.errors.join());
  return r.record;
};
const cache = (store = memoryStore(), storage = roomy, fetchFn: typeof fetch = (i, init) => hub.fetch(i, init)) =>
  ({ store, cache: new ModelCache({ store, fetch: fetchFn, storage, hubEndpoint: HUB, sleep: noSleep, now: () => Date.now(), checkpointBytes: 256 * 1024 }) });

describe('model records', () => {
  it('accepts every built-in record', () => {
    for (const r of BUILTIN_MODELS) expect(parseModelRecord(r), r.id).toMatchObject({ ok: true });
  });

  it('names each bad field', () => {
    const r = parseModelRecord({ id: 'Bad Id', name: '', source: { kind: 'hub', repo: 'no-slash' }, files: [{ path: '../x', size: -1, sha256: 'abc' }], defaults: { sampler: 'NOPE' } });
    expect(r.ok).toBe(false);
    const errors = r.ok ? [] : r.errors.join('\n');
    for (const field of ['id', 'name', 'source.repo', 'files.0.path', 'files.0.size', 'files.0.sha256', 'defaults.sampler']) expect(errors).toContain(`${field}:`);
    expect(parseModelRecord({ id: 'a', name: 'a', source: { kind: 'url', baseUrl: '/m/' }, files: [{ path: 'x', size: 1 }, { path: 'x', size: 1 }] }))
      .toEqual({ ok: false, errors: ['files: x is listed twice'] });
  });

  it('makes a record from a repo id, a repo id at a revision, or a URL', () => {
    expect(recordFromUserInput('owner/model')).toMatchObject({ ok: true, record: { id: 'owner-model', source: { kind: 'hub', repo: 'owner/model', revision: 'main' } } });
    expect(recordFromUserInput('owner/model@v2')).toMatchObject({ ok: true, record: { source: { revision: 'v2' } } });
    expect(recordFromUserInput('https://example.org/sdxl/')).toMatchObject({ ok: true, record: { source: { kind: 'url', baseUrl: 'https://example.org/sdxl/' } } });
    expect(recordFromUserInput('not a model')).toMatchObject({ ok: false });
  });
});

describe('Hub responses', () => {
  it('reads sizes, LFS SHA-256 and git blob ids, pins the commit, and strips a subfolder', () => {
    const sha = 'a'.repeat(40);
    const parsed = parseHubModelInfo({
      sha,
      siblings: [
        { rfilename: 'README.md', size: 10, blobId: 'b'.repeat(40) },
        { rfilename: 'onnx/unet/model.onnx_data', size: 134, blobId: 'c'.repeat(40), lfs: { sha256: 'd'.repeat(64), size: 1_900_000_000 } },
        { rfilename: 'onnx/model_index.json', size: 500, blobId: 'e'.repeat(40) },
      ],
    }, 'https://hub.example', 'o/m', 'main', 'onnx');
    expect(parsed.commit).toBe(sha);
    expect(parsed.files).toEqual([
      { path: 'unet/model.onnx_data', url: `https://hub.example/o/m/resolve/${sha}/onnx/unet/model.onnx_data`, size: 1_900_000_000, sha256: 'd'.repeat(64) },
      { path: 'model_index.json', url: `https://hub.example/o/m/resolve/${sha}/onnx/model_index.json`, size: 500, gitSha1: 'e'.repeat(40) },
    ]);
    expect(() => parseHubModelInfo({ error: 'x' }, HUB, 'o/m', 'main')).toThrow('siblings');
  });

  it('the layout check names what is missing and keeps each component’s weight candidates', () => {
    const files = [...hub.repos.get('test/tiny-sdxl-sharded')!.keys()].map((path) => ({ path, url: `x/${path}` }));
    const plan = planLayout(files.filter((f) => f.path !== 'unet/model.onnx' && f.path !== 'tokenizer_2/tokenizer.json'), ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder']);
    expect(plan.missing.sort()).toEqual(['tokenizer_2/tokenizer.json', 'unet/model.onnx']);
    expect(plan.weightCandidates.unet!.map((f) => f.path)).toEqual(expect.arrayContaining(['unet/model.onnx_data', 'unet/model.onnx_data_1', 'unet/model.onnx_data_2']));
    expect(plan.weightCandidates.text_encoder).toEqual([]);
  });
});

describe('downloadFile', () => {
  const repo = 'test/tiny-sdxl';
  const path = 'unet/model.onnx';
  const bytes = () => hub.repos.get(repo)!.get(path)!;
  const remote = () => ({ path, url: `${HUB}/${repo}/resolve/main/${path}`, size: bytes().length, sha256: createHash('sha256').update(bytes()).digest('hex') });
  const deps = (store = memoryStore()) => ({ store, fetch: ((i, init) => hub.fetch(i, init)) as typeof fetch, sleep: noSleep, checkpointBytes: 256 * 1024 });

  it('resumes a dropped connection with a Range request and verifies the whole file', async () => {
    hub.reset();
    hub.faults = [{ path, kind: 'drop', dropAfter: 3_000_000, times: 1 }];
    const d = deps();
    const r = await downloadFile(remote(), d, () => undefined);
    expect(r.size).toBe(bytes().length);
    expect(Buffer.from(d.store.files.get(path)!).equals(Buffer.from(bytes()))).toBe(true);
    expect(hub.log.map((l) => l.range)).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)]);
    expect(hub.bytesSent()).toBeLessThan(1.3 * bytes().length);
    expect(d.store.files.has(partialPath(path))).toBe(false);
  });

  it('picks up after a reload from the last checkpoint (file + saved hash state), not from zero', async () => {
    hub.reset();
    const d = deps();
    const controller = new AbortController();
    let received = 0;
    // The "tab closes" after 2 MB: the download is aborted, as a worker that is torn down would stop.
    await expect(downloadFile(remote(), d, (n) => {
      received += n;
      if (received > 2_000_000) controller.abort();
    }, controller.signal)).rejects.toMatchObject({ kind: 'cancelled' });
    const saved = JSON.parse(new TextDecoder().decode(d.store.files.get(partialPath(path))!));
    expect(saved.offset).toBeGreaterThan(1_500_000);
    // A fresh call (new page) resumes: one Range request from the checkpoint, and the hash still checks out.
    hub.log = [];
    const r = await downloadFile(remote(), d, () => undefined);
    expect(r.digest).toBe(remote().sha256);
    expect(hub.log.map((l) => l.range)).toEqual([`bytes=${saved.offset}-`]);
    expect(hub.log[0]!.bytes).toBe(bytes().length - saved.offset);
  });

  it('Cancel ends a download whose body has stalled, even when the network layer never fails the read', async () => {
    const d = deps();
    // A server that sends 1 MB and then nothing, and a fetch that ignores the abort signal (as a request routed
    // through a service worker can): only our own check can stop the wait.
    const stalled = (async () => new Response(new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new Uint8Array(1_000_000)) }), { status: 200 })) as unknown as typeof fetch;
    const controller = new AbortController();
    const started = Date.now();
    const run = downloadFile(remote(), { ...d, fetch: stalled }, () => setTimeout(() => controller.abort(), 50), controller.signal);
    await expect(run).rejects.toMatchObject({ kind: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('retries a 503 with backoff, and gives up with the file named after the last try', async () => {
    hub.reset();
    hub.faults = [{ path, kind: '503', times: 2 }];
    const waits: number[] = [];
    const d = { ...deps(), sleep: async (ms: number) => void waits.push(ms) };
    await downloadFile(remote(), d, () => undefined);
    expect(waits).toEqual([500, 1000]);
    hub.faults = [{ path, kind: '503' }];
    await expect(downloadFile(remote(), { ...deps(), retry: { attempts: 3, baseMs: 1, maxMs: 1 } }, () => undefined))
      .rejects.toThrow(/unet\/model\.onnx: gave up after 3 tries \(HTTP 503\)/);
  });

  it('deletes a corrupted file and says which one; a missing file is named too', async () => {
    hub.reset();
    hub.faults = [{ path, kind: 'corrupt', times: 1 }];
    const d = deps();
    const err = await downloadFile(remote(), d, () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect(err).toMatchObject({ kind: 'integrity', path, message: expect.stringContaining('unet/model.onnx is corrupt') });
    expect(d.store.files.has(path)).toBe(false);
    hub.faults = [{ path, kind: 'missing' }];
    await expect(downloadFile(remote(), deps(), () => undefined)).rejects.toMatchObject({ kind: 'missing', message: expect.stringContaining('unet/model.onnx is missing') });
    hub.reset();
  });
});

describe('ModelCache', () => {
  let unsharded: LoadedModel;
  beforeAll(async () => {
    unsharded = await tinyModel();
  });
  afterAll(() => hub.reset());

  it('downloads the sharded model (shards found from the graphs), which then generates exactly like the unsharded one', async () => {
    hub.reset();
    const { store, cache: c } = cache();
    const progress: number[] = [];
    const files = await c.ensure(record('test/tiny-sdxl-sharded'), { onProgress: (p) => progress.push(p.received) });
    const got = await c.list();
    expect(got).toMatchObject([{ id: 'tiny-sdxl-sharded', complete: true }]);
    // Every file it kept is the source's, byte for byte; the model's manifest and READMEs are not fetched.
    const source = hub.repos.get('test/tiny-sdxl-sharded')!;
    for (const [p, b] of store.files) {
      if (!p.startsWith('models/tiny-sdxl-sharded/') || p.endsWith('state.json')) continue;
      expect(Buffer.from(b).equals(Buffer.from(source.get(p.slice('models/tiny-sdxl-sharded/'.length))!)), p).toBe(true);
    }
    expect([...store.files.keys()].filter((p) => p.includes('unet/model.onnx_data')).length).toBe(3);
    expect(progress.at(-1)).toBe(got[0]!.bytes - store.files.get('models/tiny-sdxl-sharded/state.json')!.length);
    const loaded = await loadSdxl(files, { ort, provider: 'wasm', clock: new RunClock() });
    try {
      const request = { prompt: 'a lighthouse', negative_prompt: 'fog', width: 64, height: 64, steps: 2, cfg_scale: 3, sampler: 'K_EULER' as const, seed: 5, num_images: 1 };
      const a = await txt2img(unsharded.components, request, { randomSeed: () => 0 });
      const b = await txt2img(loaded.components, request, { randomSeed: () => 0 });
      expect(Buffer.from(b.images[0]!.rgba).equals(Buffer.from(a.images[0]!.rgba))).toBe(true);
    } finally {
      await loaded.release();
    }
  });

  it('once cached, loads with no network at all, and a second load fetches nothing', async () => {
    const { store, cache: c } = cache();
    await c.ensure(record('test/tiny-sdxl'));
    const offline = new ModelCache({ store, fetch: () => Promise.reject(new TypeError('offline')), storage: roomy, hubEndpoint: HUB, now: () => 1 });
    const files = await offline.ensure(record('test/tiny-sdxl'));
    expect((await files.bytes('unet/model.onnx')).length).toBe(hub.repos.get('test/tiny-sdxl')!.get('unet/model.onnx')!.length);
  });

  it('refuses before writing a byte when the quota is too small, saying needed vs available', async () => {
    const tight: StorageApi = { ...roomy, estimate: async () => ({ quota: 10_000_000, usage: 2_000_000 }) };
    const { store, cache: c } = cache(memoryStore(), tight);
    const err = await c.ensure(record('test/tiny-sdxl')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaError);
    expect((err as QuotaError).available).toBe(8_000_000);
    expect((err as QuotaError).needed).toBeGreaterThan(25_000_000);
    expect((err as Error).message).toMatch(/needs \d+\.\d MB more, and this browser allows 8\.0 MB more/);
    expect(store.files.size).toBe(0);
  });

  it('names what a folder lacks, and the shard a graph refers to that the source does not have', async () => {
    hub.reset();
    hub.faults = [{ path: 'unet/model.onnx_data_1', kind: 'missing' }];
    const err = await cache().cache.ensure(record('test/tiny-sdxl-sharded')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LayoutError);
    expect((err as Error).message).toContain('missing unet/model.onnx_data_1');
    hub.reset();
  });

  it('a corrupt file does not stop the others: each is kept, and the next load fetches only the corrupt one', async () => {
    hub.reset();
    // One download at a time, so the corrupt file fails before any other has started.
    const first = 'text_encoder/model.onnx';
    hub.faults = [{ path: first, kind: 'corrupt', times: 1 }];
    const store = memoryStore();
    const open = () => new ModelCache({ store, fetch: (i, init) => hub.fetch(i, init), storage: roomy, hubEndpoint: HUB, sleep: noSleep, now: () => 3, concurrency: 1 });
    await expect(open().ensure(record('test/tiny-sdxl'))).rejects.toMatchObject({ kind: 'integrity', path: first });
    const kept = [...store.files.keys()].filter((p) => p.endsWith('.onnx'));
    expect(kept.length).toBeGreaterThan(3);
    expect(kept).not.toContain(`models/tiny-sdxl/${first}`);
    hub.reset();
    await open().ensure(record('test/tiny-sdxl'));
    expect(hub.log.filter((l) => l.bytes > 0).map((l) => l.path)).toEqual([first]);
  });

  it('a reload mid-download resumes: only the missing bytes move (under 1.3× the model)', async () => {
    hub.reset();
    // Slow bytes on the biggest shard, so the "reload" lands in the middle of it.
    hub.faults = [{ path: 'unet/model.onnx_data', kind: 'slow', bytesPerSecond: 4_000_000 }];
    const { store, cache: c } = cache();
    const controller = new AbortController();
    await expect(c.ensure(record('test/tiny-sdxl-sharded'), {
      signal: controller.signal,
      onProgress: (p) => (p.files.find((f) => f.path === 'unet/model.onnx_data')?.received ?? 0) > 1_000_000 && controller.abort(),
    })).rejects.toThrow('cancelled');
    hub.faults = [];
    const again = new ModelCache({ store, fetch: (i, init) => hub.fetch(i, init), storage: roomy, hubEndpoint: HUB, sleep: noSleep, now: () => 2 });
    await again.ensure(record('test/tiny-sdxl-sharded'));
    expect(hub.log.filter((l) => l.path === 'unet/model.onnx_data').map((l) => l.range)).toEqual([undefined, expect.stringMatching(/^bytes=[1-9]\d+-$/)]);
    expect(hub.bytesSent('test/tiny-sdxl-sharded')).toBeLessThan(1.3 * sizeOf('test/tiny-sdxl-sharded'));
  });

  it('verify finds a flipped byte on disk and deletes that file; delete removes every byte', async () => {
    const { store, cache: c } = cache();
    await c.ensure(record('test/tiny-sdxl'));
    expect(await c.verify('tiny-sdxl')).toEqual({ ok: true, bad: [] });
    store.files.get('models/tiny-sdxl/vae_decoder/model.onnx')![1000]! ^= 1;
    expect(await c.verify('tiny-sdxl')).toEqual({ ok: false, bad: ['vae_decoder/model.onnx'] });
    expect(store.files.has('models/tiny-sdxl/vae_decoder/model.onnx')).toBe(false);
    expect(await c.isCached(record('test/tiny-sdxl'))).toBe(false);
    await c.remove('tiny-sdxl');
    expect([...store.files.keys()].filter((k) => k.startsWith('models/tiny-sdxl/'))).toEqual([]);
    expect(await c.list()).toEqual([]);
  });

  it('imports a local folder: only the layout’s files and the shards its graphs name are copied, verified, complete', async () => {
    const source = hub.repos.get('test/tiny-sdxl-sharded')!;
    const entries = [...source].map(([path, b]) => ({ path, blob: new Blob([b as Uint8Array<ArrayBuffer>]) }));
    entries.push({ path: 'unet/unused.bin', blob: new Blob([new Uint8Array(10)]) }, { path: 'README.md', blob: new Blob(['hi']) });
    const { store, cache: c } = cache();
    const local = parseModelRecord({ id: 'local-mine', name: 'mine', source: { kind: 'local', name: 'mine' } });
    if (!local.ok) throw new Error(local.errors.join());
    const files = await c.importFolder(local.record, entries);
    const kept = [...store.files.keys()].filter((p) => p.startsWith(`models/${files.folder}/`) && !p.endsWith('state.json'));
    expect(kept.some((p) => p.endsWith('unused.bin') || p.endsWith('README.md'))).toBe(false);
    for (const p of kept) expect(Buffer.from(store.files.get(p)!).equals(Buffer.from(source.get(p.slice(`models/${files.folder}/`.length))!)), p).toBe(true);
    expect(kept.filter((p) => p.includes('unet/model.onnx_data')).length).toBe(3);
    expect(await c.list()).toMatchObject([{ id: files.folder, complete: true }]);
    expect(await c.verify(files.folder)).toEqual({ ok: true, bad: [] });
    // A folder without the UNet graph is named as such, and nothing of it is kept as complete.
    const partial = entries.filter((e) => e.path !== 'unet/model.onnx');
    await expect(cache().cache.importFolder(local.record, partial)).rejects.toThrow(/mine is not an SDXL ONNX folder .*missing unet\/model\.onnx/);
  });

  it('reads a stored model back as the loader sees it', async () => {
    const { store, cache: c } = cache();
    await c.ensure(record('test/tiny-sdxl'));
    const files = cachedModelFiles(store, 'tiny-sdxl');
    expect(await files.json('model_index.json')).toMatchObject({ _class_name: expect.any(String) });
    expect(await files.exists('sdxl-web.json')).toBe(true);
    expect(await files.exists('nope.json')).toBe(false);
  });
});
