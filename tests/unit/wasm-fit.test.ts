// The wasm fallback's refusal of models too large for its 4 GiB memory: the rule, and the cache refusing the real-size
// SDXL fp16 export (the skeleton's listing) on wasm before any file is requested, while WebGPU goes on to download.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FakeHub, tinyHub } from '../../e2e/hub-server';
import { memoryStore } from '../../src/runtime/byte-store';
import { ModelCache, type StorageApi } from '../../src/runtime/model-cache';
import { WASM_HEAP_BYTES, WasmMemoryError, wasmHeapNeed, wasmMisfit } from '../../src/runtime/wasm-fit';
import { ModelLibrary } from '../../src/worker/model-library';

const HUB = 'http://hub.test';
const skeleton = JSON.parse(readFileSync(new URL('../../test-data/sdxl-skeleton-fp16/listing.json', import.meta.url), 'utf8')) as { files: { path: string; size: number }[] };
/** A component's graph and external data (model.onnx, model.onnx_data, _1, _2), summed from the listing. */
const listed = (component: string) => skeleton.files.filter((f) => f.path.startsWith(`${component}/model.onnx`)).reduce((n, f) => n + f.size, 0);

let hub: FakeHub;
beforeAll(async () => {
  hub = await tinyHub();
});
const roomy: StorageApi = { estimate: async () => ({ quota: 100e9, usage: 0 }), persist: async () => true, persisted: async () => false };
const newCache = () => new ModelCache({ store: memoryStore(), fetch: (i, init) => hub.fetch(i, init), storage: roomy, hubEndpoint: HUB, sleep: async () => undefined, now: () => Date.now() });

describe('the wasm memory rule', () => {
  it('needs every component plus the largest once more, against 4 GiB', () => {
    expect(WASM_HEAP_BYTES).toBe(4_294_967_296);
    expect(wasmHeapNeed({ a: 100, b: 300, c: 50 })).toEqual({ need: 750, largest: 'b', largestBytes: 300 });
    // Just under and just over the limit.
    const half = WASM_HEAP_BYTES / 2;
    expect(wasmMisfit({ unet: half - 10, vae_decoder: 20 })).toBeUndefined();
    const over = wasmMisfit({ unet: half, vae_decoder: 1 });
    expect(over).toBeInstanceOf(WasmMemoryError);
    expect(over).toMatchObject({ component: 'unet', componentBytes: half, needBytes: WASM_HEAP_BYTES + 1, limitBytes: WASM_HEAP_BYTES });
  });

  it('the tiny model fits; the real fp16 SDXL does not, and the message names the UNet, its bytes, the limit and what works', () => {
    expect(wasmMisfit({ unet: 20e6, text_encoder: 5e6, text_encoder_2: 6e6, vae_decoder: 2e6 })).toBeUndefined();
    const comps = ['text_encoder', 'text_encoder_2', 'unet', 'vae_decoder', 'vae_encoder'];
    const e = wasmMisfit(Object.fromEntries(comps.map((c) => [c, listed(c)])))!;
    expect(e.component).toBe('unet');
    // The graph (8,354,629 B) and the three data shards (1,999,882,248 + 1,988,428,800 + 1,146,616,320 B, skeleton README).
    expect(e.componentBytes).toBe(listed('unet'));
    expect(e.componentBytes).toBe(8_354_629 + 1_999_882_248 + 1_988_428_800 + 1_146_616_320);
    expect(e.message).toContain(`unet is ${listed('unet').toLocaleString('en')} bytes`);
    expect(e.message).toContain('4,294,967,296-byte (4 GiB)');
    expect(e.message).toMatch(/WebGPU/);
    expect(e.message).toMatch(/smaller export/);
  });
});

describe('the cache on the wasm fallback', () => {
  it('refuses the real-size fp16 export from its listing, before requesting any file', async () => {
    hub.reset();
    const record = ModelLibrary.record('test/sdxl-skeleton-fp16');
    const err = await newCache().ensure(record, { provider: 'wasm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WasmMemoryError);
    expect(err).toMatchObject({ component: 'unet', componentBytes: listed('unet') });
    expect(hub.log).toEqual([]); // the listing API is not a file request: no graph, config or data byte was asked for
  });

  it('on WebGPU the same model is not refused by that rule: the download starts', async () => {
    hub.reset();
    const record = ModelLibrary.record('test/sdxl-skeleton-fp16');
    const err = await newCache().ensure(record, { provider: 'webgpu' }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(WasmMemoryError);
    expect(hub.log.length).toBeGreaterThan(0); // it asked for the first files (listed only here, so they 404)
  });

  it('the preview (the link card) carries the refusal on wasm only, with the listing’s sizes', async () => {
    const lib = new ModelLibrary(newCache(), undefined, () => { throw new Error('no URL files'); });
    const wasm = await lib.preview('test/sdxl-skeleton-fp16', { sizes: true, provider: 'wasm' });
    // The download the card shows: the graphs, their data and the small files the layout needs (6.94 GB of data).
    expect(wasm.bytes).toBeGreaterThan(6_937_675_734);
    expect(wasm.bytes).toBeLessThanOrEqual(skeleton.files.reduce((n, f) => n + f.size, 0));
    expect(wasm.refusal).toMatchObject({ code: 'exceeds_wasm_memory', component: 'unet', componentBytes: listed('unet'), limitBytes: WASM_HEAP_BYTES });
    expect((await lib.preview('test/sdxl-skeleton-fp16', { sizes: true, provider: 'webgpu' })).refusal).toBeUndefined();
    expect((await lib.preview('test/tiny-sdxl', { sizes: true, provider: 'wasm' })).refusal).toBeUndefined();
  });

  it('the tiny model still downloads and is not refused on wasm', async () => {
    const files = await newCache().ensure(ModelLibrary.record('test/tiny-sdxl'), { provider: 'wasm' });
    expect(await files.exists('unet/model.onnx')).toBe(true);
  });
});
