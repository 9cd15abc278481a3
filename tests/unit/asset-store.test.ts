// The asset library: each kind added from the tiny-sdxl-assets fixture over a Hub id, a URL and local files, stored and
// verified (bytes and SHA-256 equal the files'), resumed after an interruption, refused when corrupt or of the wrong
// kind, and listed, renamed and deleted; with an in-memory store standing in for OPFS, and the fake Hub as the network.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { shardModelFolder } from '../../scripts/shard-onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeHub } from '../../e2e/hub-server';
import { memoryStore } from '../../src/runtime/byte-store';
import { AssetContentError } from '../../src/runtime/asset-content';
import { AssetNameError, AssetStore, type AssetInput } from '../../src/runtime/asset-store';
import { parseSourceText, type SourceText } from '../../src/schema/asset';
import { storeCoordination } from '../../src/runtime/store-locks';

const HUB = 'http://hub.test';
const FIXTURE = new URL('../../test-data/tiny-sdxl-assets/', import.meta.url).pathname;
const REPO = 'test/assets';
const SHARDED = 'test/refiner-sharded';
let hub: FakeHub;
let shardedDir: string;
beforeAll(async () => {
  // The refiner with its UNet's weights in external-data shards, and a manifest.json listing every file with its SHA-256.
  shardedDir = await mkdtemp(join(tmpdir(), 'refiner-sharded-'));
  await shardModelFolder(join(FIXTURE, 'refiner'), shardedDir, 3_000_000, ['unet']);
  hub = await FakeHub.fromFolders({ [REPO]: FIXTURE, [SHARDED]: shardedDir });
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const fixture = (p: string) => new Uint8Array(readFileSync(join(FIXTURE, p)));
/** Every file under a fixture folder, by path inside it. */
const folderFiles = (dir: string) => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      if (statSync(join(d, n)).isDirectory()) walk(join(d, n));
      else out.push(relative(join(FIXTURE, dir), join(d, n)));
    }
  };
  walk(join(FIXTURE, dir));
  return out.sort();
};
const local = (dir: string): AssetInput => ({ local: { name: dir, entries: folderFiles(dir).map((p) => ({ path: p, blob: new Blob([fixture(`${dir}/${p}`)]) })) } });
const localFile = (p: string, bytes = fixture(p)): AssetInput => ({ local: { name: p, entries: [{ path: p.split('/').pop()!, blob: new Blob([bytes]) }] } });
const text = (s: string): AssetInput => {
  const r = parseSourceText(s);
  if (!r.ok) throw new Error(r.message);
  return { text: r.source as SourceText };
};
const url = (p: string) => `${HUB}/${REPO}/resolve/main/${p}`;
const NOW = Date.parse('2026-12-01T04:00:00Z');
const open = (store = memoryStore(), fetchFn: typeof fetch = (i, init) => hub.fetch(i, init), now = () => NOW) => ({
  store,
  assets: new AssetStore({ store, fetch: fetchFn, hubEndpoint: HUB, sleep: async () => undefined, now, checkpointBytes: 64 * 1024, coordination: storeCoordination() }),
});
/** The folder digest as documented: SHA-256 of sorted "<sha256>  <path>\n" lines. */
const folderDigest = (dir: string, files = folderFiles(dir)) => sha(new TextEncoder().encode(files.map((p) => `${sha(fixture(`${dir}/${p}`))}  ${p}\n`).join('')));

describe('asset library: adding each kind', () => {
  it('stores a LoRA from a Hub id with the file’s bytes and SHA-256, readable offline', async () => {
    hub.reset();
    const { store, assets } = open();
    const entry = await assets.add('lora', 'tiny-kohya', text(`${REPO}:loras/lora_kohya.safetensors`));
    const want = fixture('loras/lora_kohya.safetensors');
    expect(entry).toMatchObject({ name: 'tiny-kohya', kind: 'lora', bytes: 205_056, sha256: sha(want), dir: 'tiny-kohya', added: '2026-12-01T04:00:00.000Z',
      files: [{ path: 'lora_kohya.safetensors', bytes: 205_056, sha256: sha(want) }],
      source: { kind: 'hub', endpoint: HUB, repo: REPO, revision: 'main', path: 'loras/lora_kohya.safetensors', commit: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    const offline = open(store, () => Promise.reject(new TypeError('offline'))).assets;
    expect(Buffer.from(await offline.bytes('tiny-kohya')).equals(Buffer.from(want))).toBe(true);
    expect(await offline.list()).toEqual([entry]);
  });

  it('stores a textual inversion from a file URL and from a local File', async () => {
    const { assets } = open();
    const want = fixture('textual_inversions/ti_sdxl.safetensors');
    expect(await assets.add('textual_inversion', 'tiny-style', text(url('textual_inversions/ti_sdxl.safetensors'))))
      .toMatchObject({ kind: 'textual_inversion', bytes: 680, sha256: sha(want), source: { kind: 'url', url: url('textual_inversions/ti_sdxl.safetensors') } });
    expect(await assets.add('textual_inversion', 'tiny-style-2', localFile('textual_inversions/ti_sdxl.safetensors')))
      .toMatchObject({ bytes: 680, sha256: sha(want), source: { kind: 'local', name: 'textual_inversions/ti_sdxl.safetensors' }, dir: 'tiny-style-2' });
  });

  it('stores a VAE folder from a Hub subfolder, a folder URL (no manifest: found file by file) and local files', async () => {
    const files = folderFiles('vae_alt');
    expect(files).toEqual(['vae_decoder/config.json', 'vae_decoder/model.onnx', 'vae_encoder/config.json', 'vae_encoder/model.onnx']);
    const bytes = files.reduce((n, p) => n + fixture(`vae_alt/${p}`).length, 0);
    const expected = { kind: 'vae', bytes, sha256: folderDigest('vae_alt'), files: files.map((p) => ({ path: p, bytes: fixture(`vae_alt/${p}`).length, sha256: sha(fixture(`vae_alt/${p}`)) })) };
    const { store, assets } = open();
    expect(await assets.add('vae', 'vae-hub', text(`${REPO}:vae_alt`))).toMatchObject(expected);
    expect(await assets.add('vae', 'vae-url', text(url('vae_alt/')))).toMatchObject({ ...expected, source: { kind: 'url', url: url('vae_alt/') } });
    expect(await assets.add('vae', 'vae-local', local('vae_alt'))).toMatchObject(expected);
    const decoder = await (await assets.files('vae-url')).bytes('vae_decoder/model.onnx');
    expect(sha(decoder)).toBe(sha(fixture('vae_alt/vae_decoder/model.onnx')));
    expect([...store.files.keys()].filter((k) => k.startsWith('assets/vae-local/')).sort()).toEqual(files.map((p) => `assets/vae-local/${p}`));
  });

  it('stores a refiner folder (unet + model_index + scheduler) from the Hub and from local files', async () => {
    const { assets } = open();
    const files = folderFiles('refiner');
    expect(files).toEqual(['model_index.json', 'scheduler/scheduler_config.json', 'unet/config.json', 'unet/model.onnx']);
    const a = await assets.add('refiner', 'tiny-refiner', text(`${REPO}:refiner`));
    expect(a).toMatchObject({ kind: 'refiner', sha256: folderDigest('refiner'), files: files.map((p) => ({ path: p })) });
    expect(await assets.add('refiner', 'refiner-2', local('refiner'))).toMatchObject({ sha256: a.sha256, bytes: a.bytes });
    expect(await (await assets.files('tiny-refiner')).json('unet/config.json')).toEqual(JSON.parse(new TextDecoder().decode(fixture('refiner/unet/config.json'))));
  });
});

describe('asset library: folders with external data', () => {
  it('stores a refiner whose UNet has shards from a folder URL (manifest.json), the Hub and local files, each shard its graph names', async () => {
    hub.reset();
    const manifest = JSON.parse(readFileSync(join(shardedDir, 'manifest.json'), 'utf8')) as { files: { path: string; bytes: number; sha256: string }[] };
    const shards = manifest.files.filter((f) => /^unet\/model\.onnx_data/.test(f.path));
    expect(shards.length).toBeGreaterThan(1);
    const want = manifest.files.map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 })).sort((a, b) => (a.path < b.path ? -1 : 1));
    const { assets } = open();
    const viaUrl = await assets.add('refiner', 'r-url', text(`${HUB}/${SHARDED}/resolve/main/`));
    expect(viaUrl.files).toEqual(want);
    expect(hub.log.some((l) => l.path === 'manifest.json' && l.status === 200)).toBe(true);
    expect((await assets.add('refiner', 'r-hub', text(SHARDED))).files).toEqual(want);
    const entries = readdirSync(shardedDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
      .map((e) => { const full = join(e.parentPath, e.name); return { path: relative(shardedDir, full), blob: new Blob([readFileSync(full)]) }; });
    expect((await assets.add('refiner', 'r-local', { local: { name: 'sharded', entries } })).sha256).toBe(viaUrl.sha256);
  });

  it('refuses a shard that does not match the manifest’s SHA-256, and a graph whose shard the source lacks', async () => {
    hub.reset();
    const shard = 'unet/model.onnx_data_1';
    hub.faults = [{ path: shard, kind: 'corrupt', times: 1 }];
    await expect(open().assets.add('refiner', 'r', text(`${HUB}/${SHARDED}/resolve/main/`))).rejects.toMatchObject({ kind: 'integrity', message: expect.stringContaining(`${shard} is corrupt`) });
    hub.faults = [{ path: shard, kind: 'missing' }];
    await expect(open().assets.add('refiner', 'r', text(SHARDED))).rejects.toThrow(`${SHARDED}: unet/model.onnx refers to external data the source does not have: ${shard}.`);
    hub.reset();
  });
});

describe('asset library: integrity and resume', () => {
  it('resumes an interrupted download with a Range request from its checkpoint', async () => {
    hub.reset();
    hub.faults = [{ path: 'vae_alt/vae_decoder/model.onnx', kind: 'slow', bytesPerSecond: 2_000_000 }];
    const { store } = open();
    // A clock that moves, so progress is reported as the bytes arrive.
    const first = open(store, undefined, Date.now).assets;
    const controller = new AbortController();
    const run = first.add('vae', 'vae-resume', text(`${REPO}:vae_alt`), {
      signal: controller.signal,
      onProgress: (p) => (p.files.find((f) => f.path === 'vae_decoder/model.onnx')?.received ?? 0) > 600_000 && controller.abort(),
    });
    await expect(run).rejects.toThrow(/cancelled/);
    expect(await first.list()).toEqual([]);
    hub.faults = [];
    const again = await open(store).assets.add('vae', 'vae-resume', text(`${REPO}:vae_alt`));
    expect(again.sha256).toBe(folderDigest('vae_alt'));
    const decoder = hub.log.filter((l) => l.path === 'vae_alt/vae_decoder/model.onnx' && l.method === 'GET');
    expect(decoder.map((l) => l.range)).toEqual([undefined, expect.stringMatching(/^bytes=[1-9]\d+-$/)]);
    // Files finished before the interruption are not fetched again.
    expect(hub.log.filter((l) => l.path === 'vae_alt/vae_decoder/config.json' && l.method === 'GET')).toHaveLength(1);
    expect([...store.files.keys()].filter((k) => k.endsWith('.partial.json') || k.endsWith('state.json'))).toEqual([]);
  });

  it('refuses a corrupted download (integrity) and keeps nothing of it in the library', async () => {
    hub.reset();
    hub.faults = [{ path: 'loras/lora_kohya.safetensors', kind: 'corrupt', times: 1 }];
    const { store, assets } = open();
    await expect(assets.add('lora', 'bad', text(`${REPO}:loras/lora_kohya.safetensors`))).rejects.toMatchObject({ kind: 'integrity', message: expect.stringContaining('lora_kohya.safetensors is corrupt') });
    expect(await assets.list()).toEqual([]);
    expect(store.files.has('assets/bad/lora_kohya.safetensors')).toBe(false);
    hub.reset();
  });

  it('refuses before a byte moves when the quota is short, and a LoRA listed over 2 GiB', async () => {
    hub.reset();
    const store = memoryStore();
    const tight = new AssetStore({ store, fetch: (i, init) => hub.fetch(i, init), hubEndpoint: HUB, now: () => NOW, coordination: storeCoordination(),
      storage: { estimate: async () => ({ quota: 1_000_000, usage: 0 }), persisted: async () => false } });
    await expect(tight.add('vae', 'big', text(`${REPO}:vae_alt`))).rejects.toMatchObject({ name: 'QuotaError', available: 1_000_000, needed: 2634277 + 1667089 + 643 * 2 });
    expect(hub.log.filter((l) => l.method === 'GET')).toEqual([]);
    expect([...store.files.keys()].filter((k) => !k.endsWith('state.json'))).toEqual([]);
    const huge = new FakeHub(new Map([['test/huge', new Map()]]));
    huge.listedOnly.set('test/huge', [{ path: 'big.safetensors', size: 3 * 1024 ** 3 }]);
    await expect(open(memoryStore(), (i, init) => huge.fetch(i, init)).assets.add('lora', 'big', text('test/huge:big.safetensors')))
      .rejects.toThrow(/big\.safetensors is 3221225472 bytes, more than the 2147483648 a LoRA or an embedding may have/);
  });

  it('refuses a local file that changes while it is copied', async () => {
    const { assets } = open();
    const bytes = fixture('loras/lora_kohya.safetensors');
    const src: AssetInput = { local: { name: 'x', entries: [{ path: 'lora.safetensors', blob: new Blob([bytes]) }] } };
    // The same check the copy makes: a Blob that changes size mid-copy is refused by name.
    const shrinking = new Blob([bytes]);
    Object.defineProperty(shrinking, 'size', { value: bytes.length + 1 });
    await expect(assets.add('lora', 'l1', { local: { name: 'x', entries: [{ path: 'lora.safetensors', blob: shrinking }] } })).rejects.toMatchObject({ kind: 'integrity', message: expect.stringContaining('lora.safetensors changed while it was copied') });
    expect((await assets.add('lora', 'l2', src)).sha256).toBe(sha(bytes));
  });
});

describe('asset library: content of the wrong kind', () => {
  it('refuses a folder without vae_decoder as a VAE, and a VAE folder as a refiner, naming what is missing', async () => {
    const { store, assets } = open();
    await expect(assets.add('vae', 'not-a-vae', local('refiner'))).rejects.toThrow(/refiner is not a VAE folder: missing vae_decoder\/model\.onnx/);
    await expect(assets.add('vae', 'not-a-vae', text(`${REPO}:refiner`))).rejects.toBeInstanceOf(AssetContentError);
    await expect(assets.add('refiner', 'not-a-refiner', local('vae_alt'))).rejects.toThrow(/vae_alt is not a refiner folder: missing unet\/model\.onnx, unet\/config\.json/);
    expect(await assets.list()).toEqual([]);
    expect([...store.files.keys()].filter((k) => k.startsWith('assets/') && k !== 'assets/index.json')).toEqual([]);
  });

  it('refuses a file that is not .safetensors, or not a LoRA or an embedding inside, before or after it is stored', async () => {
    hub.reset();
    const { store, assets } = open();
    await expect(assets.add('lora', 'x', localFile('loras/lora_keys.json'))).rejects.toThrow(/is not a LoRA: lora_keys\.json is not a \.safetensors file|holds no \.safetensors file/);
    await expect(assets.add('lora', 'x', text(url('loras/lora_keys.json')))).rejects.toThrow(/is not a LoRA: lora_keys\.json is not a \.safetensors file/);
    expect(hub.log.filter((l) => l.path === 'loras/lora_keys.json' && l.method === 'GET')).toEqual([]);
    // Bytes that are not safetensors, under a .safetensors name.
    const junk = new TextEncoder().encode('{"not": "safetensors"}');
    await expect(assets.add('lora', 'x', { local: { name: 'j', entries: [{ path: 'j.safetensors', blob: new Blob([junk]) }] } }))
      .rejects.toThrow(/^j\.safetensors is not a valid \.safetensors file: header length \d+ is over the \d+-byte limit\.$/);
    // A real safetensors file of the other kind, both ways; over the network the stored copy is deleted.
    await expect(assets.add('lora', 'x', localFile('textual_inversions/ti_sdxl.safetensors'))).rejects.toThrow(/ti_sdxl\.safetensors is not a LoRA: none of its 2 tensors/);
    await expect(assets.add('textual_inversion', 'x', text(`${REPO}:loras/lora_kohya.safetensors`))).rejects.toThrow(/lora_kohya\.safetensors is not an SDXL textual inversion: it has no clip_l tensor/);
    expect([...store.files.keys()].filter((k) => k.startsWith('assets/') && k !== 'assets/index.json')).toEqual([]);
    // A folder of many: the one meant must be named.
    await expect(assets.add('lora', 'x', text(`${REPO}:loras`))).rejects.toThrow(/holds 2 \.safetensors files \(loras\/lora_diffusers\.safetensors, loras\/lora_kohya\.safetensors\): name one/);
    expect(await assets.list()).toEqual([]);
  });

  it('refuses a header whose tensors point outside the file', async () => {
    const header = new TextEncoder().encode(JSON.stringify({ 'a.lora_down.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 400] } }));
    const file = new Uint8Array(8 + header.length + 4);
    new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
    file.set(header, 8);
    await expect(open().assets.add('lora', 'x', { local: { name: 'h', entries: [{ path: 'h.safetensors', blob: new Blob([file]) }] } }))
      .rejects.toThrow(/^h\.safetensors is not a valid \.safetensors file: tensor "a\.lora_down\.weight": data_offsets \[0, 400\] are outside the 4-byte data section\.$/);
  });
});

describe('asset library: names, list, rename, delete, active refiner', () => {
  it('refuses bad names and a name taken in any case', async () => {
    const { assets } = open();
    for (const bad of ['', 'a'.repeat(65), 'has space', '../up', '.hidden', 'ünï', 'a/b']) {
      await expect(assets.add('lora', bad, localFile('loras/lora_kohya.safetensors')), bad).rejects.toMatchObject({ field: 'name', rule: 'invalid' });
    }
    await assets.add('lora', 'Tiny_1.0', localFile('loras/lora_kohya.safetensors'));
    await expect(assets.add('lora', 'tiny_1.0', localFile('loras/lora_diffusers.safetensors'))).rejects.toMatchObject({ field: 'name', rule: 'taken', message: expect.stringContaining('already has an asset named Tiny_1.0') });
    await expect(assets.rename('Tiny_1.0', 'no way')).rejects.toBeInstanceOf(AssetNameError);
  });

  it('lists in the order added, renames in the index only, deletes the bytes, and survives a new store instance', async () => {
    const { store, assets } = open();
    const lora = await assets.add('lora', 'tiny-kohya', localFile('loras/lora_kohya.safetensors'));
    const vae = await assets.add('vae', 'tiny-vae-alt', local('vae_alt'));
    expect((await assets.list()).map((a) => a.name)).toEqual(['tiny-kohya', 'tiny-vae-alt']);
    expect(await assets.verify('tiny-vae-alt')).toEqual({ ok: true, bad: [] });
    store.files.get('assets/tiny-vae-alt/vae_decoder/model.onnx')![1000]! ^= 1;
    expect(await assets.verify('tiny-vae-alt')).toEqual({ ok: false, bad: ['vae_decoder/model.onnx'] });
    store.files.get('assets/tiny-vae-alt/vae_decoder/model.onnx')![1000]! ^= 1;
    const before = new Map(store.files);
    const renamed = await assets.rename('tiny-vae-alt', 'other-vae');
    expect(renamed).toEqual({ ...vae, name: 'other-vae' });
    // No byte moved: only the index changed.
    expect([...store.files.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [k, v] of store.files) if (k !== 'assets/index.json') expect(v).toBe(before.get(k));
    await expect(assets.rename('tiny-vae-alt', 'x')).rejects.toMatchObject({ rule: 'unknown' });
    await expect(assets.rename('other-vae', 'TINY-KOHYA')).rejects.toMatchObject({ field: 'to', rule: 'taken' });
    expect(await assets.get('other-vae')).toEqual(renamed);

    // A new instance on the same bytes (a reload) sees the same library.
    const reloaded = open(store).assets;
    expect(await reloaded.list()).toEqual([lora, renamed]);
    const deleted: string[] = [];
    reloaded.onDeleted((k) => deleted.push(k));
    await reloaded.remove('other-vae');
    expect(deleted).toEqual(['assets/tiny-vae-alt']);
    expect([...store.files.keys()].filter((k) => k.startsWith('assets/tiny-vae-alt/'))).toEqual([]);
    expect((await reloaded.list()).map((a) => a.name)).toEqual(['tiny-kohya']);
    await expect(reloaded.files('other-vae')).rejects.toMatchObject({ rule: 'unknown' });
    await expect(reloaded.remove('other-vae')).rejects.toMatchObject({ rule: 'unknown' });
    // A name freed by a rename or a delete can be used again, in a folder of its own.
    expect((await reloaded.add('vae', 'tiny-vae-alt', local('vae_alt'))).dir).toBe('tiny-vae-alt');
  });

  it('the active refiner is the first added until one is chosen; it follows a rename and falls back on delete', async () => {
    const { store, assets } = open();
    expect(await assets.activeRefiner()).toBeUndefined();
    await assets.add('vae', 'v', local('vae_alt'));
    await assets.add('refiner', 'r1', local('refiner'));
    await assets.add('refiner', 'r2', local('refiner'));
    expect(await assets.activeRefiner()).toBe('r1');
    await assets.setActiveRefiner('r2');
    expect(await open(store).assets.activeRefiner()).toBe('r2');
    await expect(assets.setActiveRefiner('v')).rejects.toMatchObject({ rule: 'kind', message: 'v is a vae, not a refiner.' });
    await expect(assets.setActiveRefiner('nope')).rejects.toMatchObject({ rule: 'unknown' });
    await assets.rename('r2', 'r2b');
    expect(await assets.activeRefiner()).toBe('r2b');
    await assets.remove('r2b');
    expect(await assets.activeRefiner()).toBe('r1');
  });

  it('a damaged index is an error naming the file and the field, never an empty library', async () => {
    const { store, assets } = open();
    await assets.add('lora', 'ok', localFile('loras/lora_kohya.safetensors'));
    const index = JSON.parse(new TextDecoder().decode(store.files.get('assets/index.json')!));
    index.assets[0].sha256 = 'xyz';
    await store.writeText('assets/index.json', JSON.stringify(index));
    await expect(assets.list()).rejects.toThrow(/assets\/index\.json is not valid: assets\.0\.sha256: must be 64 lowercase hex digits/);
  });
});

describe('source text', () => {
  it('reads URLs, site paths and Hub ids with a revision and a path; refuses the rest by rule', () => {
    expect(parseSourceText('https://x.org/a/lora.safetensors')).toEqual({ ok: true, source: { kind: 'url', url: 'https://x.org/a/lora.safetensors' } });
    expect(parseSourceText('/assets/vae/')).toEqual({ ok: true, source: { kind: 'url', url: '/assets/vae/' } });
    expect(parseSourceText('owner/repo')).toEqual({ ok: true, source: { kind: 'hub', repo: 'owner/repo', revision: 'main', path: '' } });
    expect(parseSourceText('owner/repo@v1.0:sub/dir/')).toEqual({ ok: true, source: { kind: 'hub', repo: 'owner/repo', revision: 'v1.0', path: 'sub/dir' } });
    expect(parseSourceText('owner/repo:../x')).toMatchObject({ ok: false, message: expect.stringContaining('plain relative path') });
    expect(parseSourceText('ftp://x.org/a')).toMatchObject({ ok: false, message: 'only http(s) URLs can be fetched' });
    expect(parseSourceText('just-a-name')).toMatchObject({ ok: false });
  });
});
