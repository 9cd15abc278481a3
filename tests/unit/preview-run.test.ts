// Live previews through the pipeline on the tiny model: one frame per step, x₀ at latent resolution, read back from the
// device loop only when asked for, and never a change to the images.
import { describe, expect, it } from 'vitest';
import { generate, type GenerateRequest } from '../../src/pipeline/generate';
import { projectLatents } from '../../src/pipeline/latent-preview';
import type { ProgressEvent } from '../../src/pipeline/progress';
import { transferLedger } from '../../src/runtime/transfer-ledger';
import type { LoadedModel } from '../../src/runtime/load-sdxl';
import { nodeEngine, tinyDeviceLoopModel, tinyModel } from './node-model';
import { modelDir } from './reference';

const REQ: GenerateRequest = { prompt: 'a lighthouse', negative_prompt: 'fog', width: 64, height: 96, steps: 3, cfg_scale: 3, sampler: 'K_EULER', seed: [3, 4], num_images: 2 };

async function run(model: Promise<LoadedModel>, req: GenerateRequest, preview: boolean, keepIntermediates = false) {
  const events: ProgressEvent[] = [];
  const mark = transferLedger.mark();
  const r = await generate((await model).components, req, { randomSeed: () => 0, preview, keepIntermediates, onProgress: (e) => void events.push(e) });
  const deviceReads = transferLedger.since(mark).filter((t) => t.component === 'device_read').reduce((n, t) => n + t.count, 0);
  return { r, events, deviceReads, previews: events.filter((e) => e.preview !== undefined) };
}

describe('live previews', () => {
  for (const [loop, model] of [['CPU loop', tinyModel], ['device loop', tinyDeviceLoopModel]] as const) {
    for (const sampler of ['K_EULER', 'DPM_SOLVER_MULTISTEP'] as const) {
      it(`${loop}, ${sampler}: one latent-size frame per step and image, and the same image bytes as without previews`, async () => {
        const req = { ...REQ, sampler };
        const on = await run(model(), req, true);
        const off = await run(model(), req, false);
        expect(on.r.denoiseLoop).toBe(loop === 'CPU loop' ? 'cpu' : 'gpu');
        expect(on.previews.map((e) => [e.image, e.step])).toEqual([[0, 1], [0, 2], [0, 3], [1, 1], [1, 2], [1, 3]]);
        for (const e of on.previews) expect([e.stage, e.preview!.width, e.preview!.height, e.preview!.rgba.length]).toEqual(['denoise', 8, 12, 8 * 12 * 4]);
        expect(off.previews).toHaveLength(0);
        for (const k of [0, 1]) expect(Buffer.from(on.r.images[k]!.rgba).equals(Buffer.from(off.r.images[k]!.rgba)), `image ${k}`).toBe(true);
        // The device loop reads x₀ back once per step with previews, and nothing per step without.
        if (loop === 'device loop') expect([on.deviceReads, off.deviceReads]).toEqual([6, 0]);
      });
    }
  }

  it('the last step’s frame is x₀ of that step: for Euler, the final latents (CPU and device loop alike)', async () => {
    const req = { ...REQ, seed: 5, num_images: 1 };
    for (const model of [tinyModel, tinyDeviceLoopModel]) {
      const { r, previews } = await run(model(), req, true, true);
      const expected = projectLatents(r.images[0]!.finalLatents!, [1, 4, 12, 8]).rgba;
      const last = previews.at(-1)!.preview!.rgba;
      const maxStep = last.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i]!)), 0);
      expect(maxStep).toBeLessThanOrEqual(1);
      // …and an earlier frame differs from it: the frames follow the run.
      expect(Buffer.from(previews[0]!.preview!.rgba).equals(Buffer.from(last))).toBe(false);
    }
  });
});

describe('live previews through the engine (the worker’s options)', () => {
  it('options.preview puts frames on the progress events and leaves the PNGs as they were; a bad value is a field error', async () => {
    const engine = nodeEngine();
    const loaded = await engine.loadModel(modelDir);
    if (!loaded.ok) throw new Error(loaded.error.message);
    const body = { prompt: 'a cat', width: 64, height: 64, steps: 2, cfg_scale: 3, seed: 8 };
    const frames: ProgressEvent[] = [];
    const on = await engine.generate('on', body, (e) => void (e.preview && frames.push(e)), { preview: true });
    const off = await engine.generate('off', body, (e) => void (e.preview && frames.push(e)));
    if (!on.ok || !off.ok) throw new Error('generation failed');
    expect(frames.map((e) => [e.step, e.preview!.width, e.preview!.height])).toEqual([[1, 8, 8], [2, 8, 8]]);
    expect(on.value.images[0]!.image_b64).toBe(off.value.images[0]!.image_b64);
    const bad = await engine.generate('bad', body, undefined, { preview: 'yes' as never });
    expect(bad).toEqual({ ok: false, error: { code: 'invalid_request', message: 'The generation options are invalid.', detail: [
      { loc: ['options', 'preview'], msg: 'preview must be true or false.', type: 'value_error' },
    ] } });
  });
});
