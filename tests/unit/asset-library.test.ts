// The asset library as the engine and the page use it: addAsset from a File, a picked folder, a directory handle and a
// URL on a real local HTTP server; errors as {code, message, detail}; resolve naming the assets of a kind; and the CLI's
// library over the file system (--asset kind:name=path), its index surviving a new process.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHub, serve } from '../../e2e/hub-server';
import { memoryStore } from '../../src/runtime/byte-store';
import { AssetStore } from '../../src/runtime/asset-store';
import { storeCoordination } from '../../src/runtime/store-locks';
import { AssetLibrary } from '../../src/worker/asset-library';
import { nodeAssetInput, nodeAssetStore, parseAssetArg } from '../../src/node/asset-arg';

const FIXTURE = new URL('../../test-data/tiny-sdxl-assets/', import.meta.url).pathname;
const REPO = 'test/assets';
const PORT = 41_000 + Math.floor(Math.random() * 2000);
let hub: FakeHub;
let close: () => Promise<void>;
beforeAll(async () => {
  hub = await FakeHub.fromFolders({ [REPO]: FIXTURE });
  close = await serve(hub, PORT);
});
afterAll(() => close());

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const read = async (p: string) => new Uint8Array(await readFile(join(FIXTURE, p)));
const fileOf = async (p: string) => new File([await read(p)], p.split('/').pop()!);
const library = (store = memoryStore()) => ({
  store,
  lib: new AssetLibrary(new AssetStore({ store, fetch: (i, init) => fetch(i, init), hubEndpoint: `http://127.0.0.1:${PORT}`, sleep: async () => undefined, now: () => Date.now(), coordination: storeCoordination() })),
});

/** A FileSystemDirectoryHandle over a fixture folder, as the File System Access API gives one. */
function dirHandle(dir: string, name = dir.split('/').pop()!): FileSystemDirectoryHandle {
  return {
    kind: 'directory', name,
    async *entries() {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const full = join(dir, e.name);
        yield [e.name, e.isDirectory() ? dirHandle(full, e.name) : { kind: 'file', name: e.name, getFile: async () => new File([await readFile(full)], e.name) }];
      }
    },
  } as unknown as FileSystemDirectoryHandle;
}

describe('AssetLibrary (the engine’s API)', () => {
  it('adds from a File, a directory handle, a picked folder and a URL on a local server; lists them with the active refiner', async () => {
    const { lib } = library();
    const lora = await read('loras/lora_kohya.safetensors');
    expect(await lib.addAsset({ kind: 'lora', name: 'tiny-kohya', source: await fileOf('loras/lora_kohya.safetensors') }))
      .toEqual({ ok: true, value: { name: 'tiny-kohya', kind: 'lora', bytes: lora.length, sha256: sha(lora) } });
    const vae = await lib.addAsset({ kind: 'vae', name: 'tiny-vae-alt', source: dirHandle(join(FIXTURE, 'vae_alt')) });
    expect(vae).toMatchObject({ ok: true, value: { kind: 'vae', bytes: 2634277 + 1667089 + 643 * 2 } });
    // <input webkitdirectory>: paths start with the picked folder's name.
    const picked = { name: 'refiner', files: Object.fromEntries(await Promise.all(['model_index.json', 'scheduler/scheduler_config.json', 'unet/config.json', 'unet/model.onnx']
      .map(async (p) => [`refiner/${p}`, await fileOf(`refiner/${p}`)] as const))) };
    expect(await lib.addAsset({ kind: 'refiner', name: 'tiny-refiner', source: picked })).toMatchObject({ ok: true, value: { kind: 'refiner' } });
    const progress: number[] = [];
    const ti = await read('textual_inversions/ti_sdxl.safetensors');
    expect(await lib.addAsset({ kind: 'textual_inversion', name: 'tiny-style', source: `http://127.0.0.1:${PORT}/${REPO}/resolve/main/textual_inversions/ti_sdxl.safetensors` }, (p) => progress.push(p.received)))
      .toEqual({ ok: true, value: { name: 'tiny-style', kind: 'textual_inversion', bytes: 680, sha256: sha(ti) } });
    expect(progress.at(-1)).toBe(680);
    // And from the (fake) Hub by id, over HTTP.
    expect(await lib.addAsset({ kind: 'lora', name: 'tiny-diffusers', source: `${REPO}:loras/lora_diffusers.safetensors` })).toMatchObject({ ok: true, value: { bytes: 54_528 } });
    const list = await lib.listAssets();
    expect(list.ok && list.value.map((a) => [a.name, a.kind, a.active])).toEqual([
      ['tiny-kohya', 'lora', undefined], ['tiny-vae-alt', 'vae', undefined], ['tiny-refiner', 'refiner', true],
      ['tiny-style', 'textual_inversion', undefined], ['tiny-diffusers', 'lora', undefined],
    ]);
    // What the engine opens: the VAE's decoder graph, the LoRA's bytes.
    const r = await lib.resolve('vae', 'tiny-vae-alt', ['body', 'vae']);
    expect(r.ok && sha(await r.value.files.bytes('vae_decoder/model.onnx'))).toBe(sha(await read('vae_alt/vae_decoder/model.onnx')));
    const l = await lib.resolve('lora', 'tiny-kohya', ['body', 'loras', 0, 'name']);
    expect(l.ok && sha(new Uint8Array(await (await l.value.files.blob!(l.value.entry.files[0]!.path)).arrayBuffer()))).toBe(sha(lora));
    expect(await lib.resolveRefiner()).toMatchObject({ ok: true, value: { entry: { name: 'tiny-refiner' } } });
  });

  it('answers bad arguments, unknown names and wrong kinds as field errors', async () => {
    const { lib } = library();
    expect(await lib.addAsset({ kind: 'checkpoint', name: 'bad name', source: 42 })).toMatchObject({ ok: false, error: { code: 'invalid_request', detail: [
      { loc: ['body', 'kind'] }, { loc: ['body', 'name'], msg: expect.stringContaining('letters, digits') }, { loc: ['body', 'source'] },
    ] } });
    expect(await lib.addAsset({ kind: 'lora', name: 'x', source: 'not a source' })).toMatchObject({ ok: false, error: { detail: [{ loc: ['body', 'source'], msg: expect.stringContaining('Hub id') }] } });
    expect(await lib.addAsset({ kind: 'vae', name: 'x', source: await fileOf('loras/lora_kohya.safetensors') }))
      .toMatchObject({ ok: false, error: { code: 'invalid_request', detail: [{ loc: ['body', 'source'], type: 'asset_content', msg: expect.stringContaining('missing vae_decoder/model.onnx') }] } });
    await lib.addAsset({ kind: 'lora', name: 'a', source: await fileOf('loras/lora_kohya.safetensors') });
    await lib.addAsset({ kind: 'lora', name: 'b', source: await fileOf('loras/lora_diffusers.safetensors') });
    expect(await lib.addAsset({ kind: 'lora', name: 'A', source: await fileOf('loras/lora_kohya.safetensors') }))
      .toMatchObject({ ok: false, error: { detail: [{ loc: ['body', 'name'], type: 'asset_name_taken' }] } });
    expect(await lib.resolve('lora', 'c', ['body', 'loras', 1, 'name'])).toEqual({ ok: false, error: { code: 'invalid_request', message: 'The request names an unknown asset.', detail: [
      { loc: ['body', 'loras', 1, 'name'], type: 'asset_unknown', msg: 'Unknown lora asset "c": the library\'s lora assets are "a", "b". Add it with addAsset({kind: \'lora\', name, source}) first.' },
    ] } });
    expect(await lib.resolve('vae', 'a')).toMatchObject({ ok: false, error: { detail: [{ loc: ['body', 'vae'], msg: '"a" is a lora asset, not a vae; the library has no vae asset.' }] } });
    expect(await lib.resolveRefiner()).toMatchObject({ ok: false, error: { detail: [{ loc: ['body', 'use_refiner'] }] } });
    expect(await lib.deleteAsset('zzz')).toMatchObject({ ok: false, error: { code: 'invalid_request', detail: [{ loc: ['body', 'name'], type: 'asset_unknown' }] } });
    expect(await lib.renameAsset('a', 'b')).toMatchObject({ ok: false, error: { detail: [{ loc: ['body', 'to'], type: 'asset_name_taken' }] } });
    expect(await lib.setActiveRefiner('a')).toMatchObject({ ok: false, error: { detail: [{ type: 'asset_kind' }] } });
    expect(await lib.deleteAsset('a')).toEqual({ ok: true, value: { deleted: 'a' } });
    expect(await lib.renameAsset('b', 'c')).toMatchObject({ ok: true, value: { name: 'c' } });
  });

  it('cancel stops an import in flight (cancelled), and adding it again resumes', async () => {
    const { lib } = library();
    hub.faults = [{ path: 'vae_alt/vae_decoder/model.onnx', kind: 'slow', bytesPerSecond: 1_000_000 }];
    const run = lib.addAsset({ kind: 'vae', name: 'v', source: `${REPO}:vae_alt` }, (p) => (p.files.find((f) => f.path === 'vae_decoder/model.onnx')?.received ?? 0) > 200_000 && lib.cancel());
    expect(await run).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    hub.reset();
    expect(await lib.addAsset({ kind: 'vae', name: 'v', source: `${REPO}:vae_alt` })).toMatchObject({ ok: true });
    expect(hub.log.filter((l) => l.path === 'vae_alt/vae_decoder/model.onnx').map((l) => l.range)).toEqual([expect.stringMatching(/^bytes=[1-9]\d+-$/)]);
    expect(await lib.verifyAsset('v')).toEqual({ ok: true, value: { ok: true, bad: [] } });
  });

  it('a source that fails is asset_import_failed; without a store, not_supported', async () => {
    const { lib } = library();
    hub.faults = [{ path: 'loras/lora_kohya.safetensors', kind: 'corrupt', times: 1 }];
    const r = await lib.addAsset({ kind: 'lora', name: 'x', source: `${REPO}:loras/lora_kohya.safetensors` });
    hub.reset();
    expect(r).toMatchObject({ ok: false, error: { code: 'asset_import_failed', message: expect.stringContaining('lora_kohya.safetensors is corrupt') } });
    expect(await new AssetLibrary(undefined).listAssets()).toMatchObject({ ok: false, error: { code: 'not_supported' } });
  });
});

describe('the CLI’s asset library (file system store)', () => {
  it('parses --asset kind:name=source, imports files and folders from disk, and a new process sees them', async () => {
    expect(parseAssetArg('lora:tiny-kohya=./a.safetensors')).toEqual({ kind: 'lora', name: 'tiny-kohya', source: './a.safetensors' });
    expect(() => parseAssetArg('lora=x')).toThrow(/expected kind:name=source/);
    expect(() => parseAssetArg('checkpoint:x=y')).toThrow(/kind must be one of/);
    expect(() => parseAssetArg('lora:bad name=y')).toThrow(/letters, digits/);
    const dir = await mkdtemp(join(tmpdir(), 'assets-'));
    try {
      const store = nodeAssetStore(dir);
      const lora = await store.add('lora', 'tiny-kohya', await nodeAssetInput(join(FIXTURE, 'loras/lora_kohya.safetensors')));
      expect(lora.sha256).toBe(sha(await read('loras/lora_kohya.safetensors')));
      const refiner = await store.add('refiner', 'tiny-refiner', await nodeAssetInput(join(FIXTURE, 'refiner')));
      expect(refiner.files.map((f) => f.path)).toEqual(['model_index.json', 'scheduler/scheduler_config.json', 'unet/config.json', 'unet/model.onnx']);
      // The files sit on disk under assets/<dir>/, where onnxruntime-node can open them by path.
      const files = await nodeAssetStore(dir).files('tiny-refiner');
      expect(files.localPath!('unet/model.onnx')).toBe(join(dir, 'assets', 'tiny-refiner', 'unet', 'model.onnx'));
      expect((await stat(files.localPath!('unet/model.onnx'))).size).toBe((await read('refiner/unet/model.onnx')).length);
      expect(await nodeAssetStore(dir).list()).toEqual([lora, refiner]);
      await nodeAssetStore(dir).remove('tiny-refiner');
      expect(await readdir(join(dir, 'assets'))).toEqual(expect.not.arrayContaining(['tiny-refiner']));
      await expect(nodeAssetInput(join(dir, 'nope'))).rejects.toThrow(/no such file or folder, and not a source/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
