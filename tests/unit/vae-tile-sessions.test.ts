// A tiled VAE decode's tiles come in up to four shapes (edge tiles are cut by the image's edge). With one static
// session per shape in a bounded cache, every decode created and evicted sessions in turn; through the runner's
// varying-shapes view the tiles share one free-dims session, made once, with the same pixels.
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import type { ModelRunner } from '../../src/pipeline/runners';
import { decodeTiled } from '../../src/pipeline/vae-tiled-decode';
import { planTiles, tileShapes } from '../../src/pipeline/vae-tiles';
import type { SessionEvent } from '../../src/runtime/component-session';
import { loadSdxl } from '../../src/runtime/load-sdxl';
import { RunClock } from '../../src/runtime/ort-runner';
import { ANY_SHAPE_KEY } from '../../src/runtime/session-cache';
import { dirModelFiles } from './node-model';
import { modelDir } from './reference';

ort.env.wasm.numThreads = 1;

describe('tiled VAE decode sessions', () => {
  it('runs every tile shape on one session, made once for all decodes, with the per-shape sessions’ pixels', { timeout: 300_000 }, async () => {
    const events: SessionEvent[] = [];
    const model = await loadSdxl(dirModelFiles(modelDir), { ort, provider: 'wasm', clock: new RunClock(), onSession: (e) => events.push(e) });
    const vae = model.components.vaeDecoder;
    const created = () => events.filter((e) => e.component === 'vae_decoder' && e.kind === 'created').map((e) => ('key' in e ? e.key : ''));
    // 128² (16 latents) in 64 px tiles: rows and columns of 8, 8 and 4 latents, so four tile shapes.
    const dims = [1, 4, 16, 16];
    const plan = planTiles(16, 16, 8, 8);
    expect(tileShapes(plan)).toBe(4);
    const latents = Float32Array.from({ length: 4 * 16 * 16 }, (_, i) => Math.sin(i * 0.37) * 0.8);
    const opts = { tileLatent: 8, scale: 8 };

    // A runner without the view: each tile shape gets its own static session.
    const perShape: ModelRunner = { inputs: vae.inputs, outputs: vae.outputs, run: (f, o) => vae.run(f, o) };
    const atLoad = created().length;
    const a = await decodeTiled(perShape, latents, dims, opts);
    const afterFirst = created().length;
    await decodeTiled(perShape, latents, dims, opts);
    const perShapeFirst = afterFirst - atLoad;
    const perShapeSecond = created().length - afterFirst;
    // Three new: the fourth tile shape (8×8 latents) is the 64² default the load made its session for.
    expect(perShapeFirst).toBeGreaterThanOrEqual(3);
    // The cache holds fewer shapes than the tiles use (plus the load's own), so the same decode creates sessions again.
    expect(perShapeSecond).toBeGreaterThan(0);

    // The view: one free-dims session for every tile, kept for the next decode.
    const before = created().length;
    const b = await decodeTiled(vae, latents, dims, opts);
    const c = await decodeTiled(vae, latents, dims, opts);
    expect(created().slice(before)).toEqual([ANY_SHAPE_KEY]);
    expect(b.tiles).toBe(9);
    expect(b.sample.length).toBe(a.sample.length);
    const diff = Math.max(...b.sample.map((v, i) => Math.abs(v - a.sample[i]!)));
    expect(diff).toBeLessThanOrEqual(1e-5);
    expect(c.sample).toEqual(b.sample);
    // (A plan whose tiles all have one shape keeps the static session: vae-tiled-vs-full's one-tile case, bit for bit.)
    console.log(JSON.stringify({ per_shape_sessions_created: [perShapeFirst, perShapeSecond], varying_view_sessions_created: 1, max_abs_diff: diff }));
    await model.release();
  });
});
