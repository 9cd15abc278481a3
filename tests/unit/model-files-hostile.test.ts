// Model folders and the store's own files are untrusted (issue 10): each hostile model_index.json, scheduler or VAE
// config, tokenizer file, manifest.json or state.json is refused with an error naming the file and the field, before
// any session is made and never as a crash or a NaN further on.
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/runtime/byte-store';
import { loadSdxl } from '../../src/runtime/load-sdxl';
import { ModelCache, type StorageApi } from '../../src/runtime/model-cache';
import type { ModelFiles } from '../../src/runtime/model-files';
import { RunClock, type Ort } from '../../src/runtime/ort-runner';
import { parseModelRecord, type ModelRecord } from '../../src/schema/model-record';
import { dirModelFiles } from './node-model';
import { modelDir } from './reference';

/** An onnxruntime stand-in that fails loudly if a session is ever asked for: a bad file must stop the load first. */
const noSessions = { InferenceSession: { create: async () => { throw new Error('a session was created'); } } } as unknown as Ort;
const real = dirModelFiles(modelDir);
/** The tiny model with one file replaced (a value, or raw text that is not JSON). */
const withFile = (path: string, value: unknown): ModelFiles => ({
  ...real,
  json: async <T>(p: string): Promise<T> => {
    if (p !== path) return real.json<T>(p);
    if (typeof value === 'string' && value.startsWith('RAW:')) return JSON.parse(value.slice(4)) as T;
    return (typeof value === 'function' ? (value as (o: unknown) => unknown)(await real.json(p)) : value) as T;
  },
});
const load = (files: ModelFiles) => loadSdxl(files, { ort: noSessions, provider: 'wasm', clock: new RunClock() });
const patch = (o: object) => (base: unknown) => ({ ...(base as object), ...o });

describe('model folder files', () => {
  it('the tiny model’s own files pass (the load gets as far as making sessions)', async () => {
    await expect(load(real)).rejects.toThrow('a session was created');
  });

  const cases: [string, unknown, RegExp][] = [
    ['model_index.json', [1, 2], /model_index\.json is not valid: file:/],
    ['model_index.json', patch({ text_encoder_2: undefined }), /model_index\.json is not valid: text_encoder_2:/],
    ['model_index.json', patch({ unet: [null, null] }), /model_index\.json is not valid: .*no text_encoder_2\/unet/],
    ['model_index.json', 'RAW:{"unet": [', /model_index\.json is not valid: not JSON/],
    ['scheduler/scheduler_config.json', patch({ num_train_timesteps: 1e12 }), /scheduler_config\.json is not valid: num_train_timesteps:/],
    ['scheduler/scheduler_config.json', patch({ beta_start: -1, beta_end: '0.012' }), /scheduler_config\.json is not valid: beta_start: .*; beta_end:/],
    ['scheduler/scheduler_config.json', patch({ beta_start: 0.5, beta_end: 0.1 }), /beta_start: beta_start must not exceed beta_end/],
    ['scheduler/scheduler_config.json', patch({ trained_betas: [0.1, 0.2] }), /trained_betas: must have num_train_timesteps values/],
    ['scheduler/scheduler_config.json', patch({ steps_offset: -3 }), /steps_offset:/],
    ['scheduler/scheduler_config.json', patch({ solver_order: { deep: { deeper: [] } } }), /solver_order: must be a short string/],
    ['vae_decoder/config.json', patch({ scaling_factor: 0 }), /vae_decoder\/config\.json is not valid: scaling_factor:/],
    ['vae_decoder/config.json', patch({ latent_channels: -4, block_out_channels: [] }), /latent_channels: .*; block_out_channels:/],
    ['vae_decoder/config.json', patch({ block_out_channels: Array(100).fill(64) }), /block_out_channels:/],
    ['tokenizer/tokenizer_config.json', patch({ model_max_length: 0 }), /tokenizer\/tokenizer_config\.json is not valid: model_max_length:/],
    ['tokenizer_2/tokenizer_config.json', patch({ pad_token: { content: 'x'.repeat(10_000) } }), /tokenizer_2\/tokenizer_config\.json is not valid: pad_token/],
    ['tokenizer/tokenizer.json', patch({ model: undefined }), /tokenizer\/tokenizer\.json is not valid: model:/],
    ['tokenizer/tokenizer.json', (t: { model: object }) => ({ ...t, model: { ...t.model, vocab: { a: -1 } } }), /tokenizer\.json is not valid: model\.vocab\.a:/],
    ['tokenizer_2/tokenizer.json', (t: { model: object }) => ({ ...t, model: { ...t.model, merges: 'i n' } }), /tokenizer_2\/tokenizer\.json is not valid: model\.merges:/],
  ];
  it.each(cases)('%s: %#', async (path, value, message) => {
    const err = await load(withFile(path, value)).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(message);
    expect(err?.message).toContain(`${modelDir}${path}`);
  });
});

const roomy: StorageApi = { estimate: async () => ({ quota: 10e9, usage: 0 }), persist: async () => true, persisted: async () => false };
const urlRecord = (id: string, baseUrl: string): ModelRecord => {
  const r = parseModelRecord({ id, name: id, source: { kind: 'url', baseUrl } });
  if (!r.ok) throw new Error(r.errors.join());
  return r.record;
};

describe("the store's own files", () => {
  const state = (over: object) => JSON.stringify({ record: urlRecord('m', 'https://m.test/'), complete: true, files: {}, createdAt: 1, lastUsed: 2, ...over });
  const cacheWith = (files: Record<string, string>, fetchFn: typeof fetch = () => Promise.reject(new TypeError('offline'))) => {
    const store = memoryStore();
    for (const [p, t] of Object.entries(files)) store.files.set(p, new TextEncoder().encode(t));
    return new ModelCache({ store, fetch: fetchFn, storage: roomy, now: () => 5 });
  };

  it('state.json with wrong types, an escaping path and a bad digest is refused naming each field', async () => {
    const c = cacheWith({ 'models/m/state.json': state({ complete: 'yes', files: { '../x': { size: 1, digest: 'a'.repeat(64) }, 'unet/model.onnx': { size: -1, digest: 'zz' } }, lastUsed: 'soon' }) });
    const err = await c.state('m').then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^models\/m\/state\.json is not valid: /);
    for (const field of ['complete:', 'files.../x: key must be a plain relative path', 'files.unet/model.onnx.size:', 'files.unet/model.onnx.digest:', 'lastUsed:']) expect(err?.message).toContain(field);
  });

  it('a state.json cut short (a crash mid-write) does not break the list: the model shows as not complete', async () => {
    const c = cacheWith({ 'models/m/state.json': state({}).slice(0, 40), 'models/m/unet/model.onnx': 'abc' });
    await expect(c.state('m')).rejects.toThrow(/models\/m\/state\.json is not valid: not JSON/);
    expect(await c.list()).toMatchObject([{ id: 'm', name: 'm', complete: false, bytes: expect.any(Number) }]);
    expect(await c.isCached(urlRecord('m', 'https://m.test/'))).toBe(false);
    expect(await c.verify('m')).toEqual({ ok: false, bad: ['state.json'] });
  });

  const manifestSource = (manifest: string) => (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    return Promise.resolve(url.endsWith('/manifest.json') ? new Response(manifest) : new Response('', { status: 404 }));
  };
  it('a manifest.json with escaping paths, negative sizes and bad hashes stops the download, naming each field', async () => {
    const hostile = JSON.stringify({ files: [{ path: '../../etc/passwd', bytes: -5, sha256: 'xyz' }, { path: 'https://evil.test/x', bytes: 1 }] });
    const c = cacheWith({}, manifestSource(hostile) as typeof fetch);
    const err = await c.ensure(urlRecord('m', 'https://m.test/')).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^https:\/\/m\.test\/manifest\.json is not valid: /);
    for (const field of ['files.0.path:', 'files.0.bytes:', 'files.0.sha256:', 'files.1.path:']) expect(err?.message).toContain(field);
  });

  it('a manifest.json that is not JSON, or is over 4 MB, is refused by name rather than read whole or ignored', async () => {
    await expect(cacheWith({}, manifestSource('{"files": [') as typeof fetch).ensure(urlRecord('m', 'https://m.test/'))).rejects.toThrow(/manifest\.json is not valid: not JSON/);
    const huge = JSON.stringify({ files: Array.from({ length: 60_000 }, (_, i) => ({ path: `unet/${'x'.repeat(60)}${i}`, bytes: 1 })) });
    await expect(cacheWith({}, manifestSource(huge) as typeof fetch).ensure(urlRecord('m', 'https://m.test/'))).rejects.toThrow(/manifest\.json is not valid: larger than 4 MB/);
  });
});
