// The per-shape session cache: one session per shape, the least recently used released first, never over capacity;
// and on the tiny UNet (wasm), shaped sessions give the dynamic session's outputs.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { declaredInputs } from '../../src/runtime/onnx-input-dims';
import { ANY_SHAPE_KEY, ShapeSessionCache, type SessionCacheEvent } from '../../src/runtime/session-cache';
import type { DimValues } from '../../src/runtime/session-shapes';
import { ShapedSession } from '../../src/runtime/shaped-session';
import { modelDir } from './reference';
import { tinyUnetOrtFeeds } from './tiny-unet-feeds';

ort.env.wasm.numThreads = 1;

/** Fake sessions that count how many exist at once. */
function fakes() {
  const state = { live: 0, maxLive: 0, created: [] as string[], released: [] as string[] };
  const create = async (d: DimValues | undefined) => {
    await new Promise((r) => setTimeout(r, 1));
    state.live++;
    state.maxLive = Math.max(state.maxLive, state.live);
    const name = d ? `h${d.h}` : 'any';
    state.created.push(name);
    return { name, release: async () => void (state.live--, state.released.push(name)) };
  };
  return { state, create };
}

describe('ShapeSessionCache', () => {
  it('creates a shape once and reuses it', async () => {
    const { state, create } = fakes();
    const cache = new ShapeSessionCache(create, 2);
    const names = [];
    for (let i = 0; i < 3; i++) names.push(await cache.use({ h: 8 }, async (s) => s.name));
    expect(names).toEqual(['h8', 'h8', 'h8']);
    expect(state.created).toEqual(['h8']);
  });

  it('releases the least recently used shape before creating a new one, so at most `capacity` exist', async () => {
    const { state, create } = fakes();
    const events: SessionCacheEvent[] = [];
    const cache = new ShapeSessionCache(create, 2, (e) => events.push(e));
    await cache.use({ h: 8 }, async () => undefined);
    await cache.use({ h: 16 }, async () => undefined);
    await cache.use({ h: 8 }, async () => undefined); // 8 is now the most recent
    await cache.use({ h: 24 }, async () => undefined);
    expect(state.released).toEqual(['h16']);
    expect(cache.keys()).toEqual(['h=8', 'h=24']);
    expect(state.maxLive).toBe(2);
    expect(events.map((e) => `${e.kind} ${e.key}`)).toEqual(['created h=8', 'created h=16', 'released h=16', 'created h=24']);
    await cache.release();
    expect(state.live).toBe(0);
  });

  it('releases an evicted session only after the call running on it ends', async () => {
    const { state, create } = fakes();
    const cache = new ShapeSessionCache(create, 1);
    let finish!: () => void;
    const running = cache.use({ h: 8 }, () => new Promise<void>((r) => (finish = r)));
    await new Promise((r) => setTimeout(r, 10));
    const next = cache.use({ h: 16 }, async (s) => s.name);
    expect(await next).toBe('h16');
    expect(state.released).toEqual([]);
    finish();
    await running;
    expect(state.released).toEqual(['h8']);
  });

  it('does not keep a shape whose session failed to create, and tries again next time', async () => {
    let fail = true;
    const cache = new ShapeSessionCache(async () => {
      if (fail) throw new Error('out of memory');
      return { release: async () => undefined };
    }, 2);
    await expect(cache.use({ h: 8 }, async () => 1)).rejects.toThrow('out of memory');
    expect(cache.keys()).toEqual([]);
    fail = false;
    await expect(cache.use({ h: 8 }, async () => 2)).resolves.toBe(2);
  });

  it('holds the free-dims session (no dims) under its own key, counted against the same capacity', async () => {
    const { state, create } = fakes();
    const cache = new ShapeSessionCache(create, 2);
    await cache.use({ h: 8 }, async () => undefined);
    await cache.use({ h: 16 }, async () => undefined);
    const names = [await cache.use(undefined, async (s) => s.name), await cache.use(undefined, async (s) => s.name)];
    expect(names).toEqual(['any', 'any']);
    expect(state.created).toEqual(['h8', 'h16', 'any']);
    expect(state.released).toEqual(['h8']);
    expect(cache.keys()).toEqual(['h=16', ANY_SHAPE_KEY]);
    expect(state.maxLive).toBe(2);
    await cache.release();
  });

  it('refuses a capacity under one', () => {
    expect(() => new ShapeSessionCache(async () => ({ release: async () => undefined }), 0)).toThrow('at least one session');
  });
});

describe('ShapedSession on the tiny UNet (wasm)', () => {
  const model = readFileSync(`${modelDir}unet/model.onnx`);
  const feeds = (b: number, hw: number) => tinyUnetOrtFeeds(ort.Tensor, b, hw);

  it('runs each shape on its own static session, with the outputs of a free-shape session', { timeout: 300_000 }, async () => {
    const dynamic = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const events: SessionCacheEvent[] = [];
    const create = (dims: DimValues | undefined) => ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...(dims ? { freeDimensionOverrides: { ...dims } } : {}) });
    const shaped = await ShapedSession.create(declaredInputs(model), { batch_size: 2, height: 8, width: 8, sequence_length: 77 }, create, 2, (e) => events.push(e));
    expect(shaped.inputMetadata.find((m) => m.name === 'sample')).toMatchObject({ shape: ['batch_size', 4, 'height', 'width'] });
    for (const [b, hw] of [[2, 8], [1, 12], [2, 8], [1, 12]] as const) {
      const f = feeds(b, hw);
      const want = (await dynamic.run(f)).out_sample!.data as Float32Array;
      const got = (await shaped.run(f)).out_sample!;
      expect(got.dims).toEqual([b, 4, hw, hw]);
      const diff = Math.max(...(got.data as Float32Array).map((v, i) => Math.abs(v - want[i]!)));
      expect(diff).toBeLessThan(1e-5);
    }
    // Two shapes, each created once, though the calls alternate.
    expect(events.map((e) => `${e.kind} ${e.key}`)).toEqual(['created batch_size=2,height=8,sequence_length=77,width=8', 'created batch_size=1,height=12,sequence_length=77,width=12']);
    await expect(shaped.run({ ...feeds(2, 8), text_embeds: feeds(1, 8).text_embeds })).rejects.toThrow('Free dim "batch_size" is 2 in input "sample" but 1 in input "text_embeds"');
    // The any-shape view: both shapes on one free-dims session, the same outputs, the same checks of the feeds.
    const any = shaped.anyShape();
    for (const [b, hw] of [[1, 12], [2, 8]] as const) {
      const f = feeds(b, hw);
      const want = (await dynamic.run(f)).out_sample!.data as Float32Array;
      const got = (await any.run(f)).out_sample!.data as Float32Array;
      expect(Math.max(...got.map((v, i) => Math.abs(v - want[i]!)))).toBeLessThan(1e-5);
    }
    expect(events.slice(2).map((e) => `${e.kind} ${e.key}`)).toEqual(['released batch_size=2,height=8,sequence_length=77,width=8', `created ${ANY_SHAPE_KEY}`]);
    await expect(any.run({ ...feeds(2, 8), text_embeds: feeds(1, 8).text_embeds })).rejects.toThrow('Free dim "batch_size" is 2');
    await shaped.release();
    await dynamic.release();
  });
});
