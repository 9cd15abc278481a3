// The extras' seeded OctoAI requests (requests.json) end to end: the engine's PNG against diffusers' PNG (uint8 ±1) for
// prompt_2 / negative_prompt_2, clip_skip and the SDK's six more samplers, and the pipeline's final latents against
// diffusers' (≤ 1e-4) for the prompt fields. (The inpaint_full_res cases run in inpaint-full-res.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/pipeline/generate';
import { validateRequest } from '../../src/schema/validate';
import { decodePng, nodeEngine, tinyModel } from './node-model';
import { EXTRAS, loadReference, maxAbsDiff, modelDir, testDataDir } from './reference';

interface RequestCase {
  name: string; mode: string; field_group: string; request: Record<string, unknown>;
  expected: { reference: string; images_png: string[]; final_latents: string; image_uint8: string };
}
const dir = `${testDataDir}tiny-sdxl-octoai-extras/`;
const { cases } = JSON.parse(readFileSync(`${dir}requests.json`, 'utf8')) as { cases: RequestCase[] };
const RUN_HERE = ['prompt2', 'clip_skip', 'samplers'];
const run = cases.filter((c) => RUN_HERE.includes(c.field_group));
const groupOf = (c: RequestCase) => loadReference(c.expected.reference.replace(/^reference\/|\.json$/g, ''), EXTRAS);

function maxPixelStep(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('requests.json (extras): seeded OctoAI bodies', () => {
  it('has txt2img cases for prompt_2, clip_skip and all six extra samplers', () => {
    expect(run.every((c) => c.mode === 'txt2img')).toBe(true);
    expect(run.filter((c) => c.field_group === 'prompt2').length).toBeGreaterThanOrEqual(3);
    expect(run.filter((c) => c.field_group === 'clip_skip').length).toBeGreaterThanOrEqual(4);
    expect(run.filter((c) => c.field_group === 'samplers')).toHaveLength(6);
  });

  const engine = nodeEngine();
  for (const c of run) {
    it(`${c.name}: the engine's PNG equals diffusers' PNG (±1)`, async () => {
      const loaded = await engine.loadModel(modelDir);
      expect(loaded.ok).toBe(true);
      const r = await engine.generate(c.name, c.request);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      expect(r.value.images).toHaveLength(c.expected.images_png.length);
      r.value.images.forEach((img, k) => {
        const got = decodePng(img.image_b64);
        const want = decodePng(readFileSync(`${dir}${c.expected.images_png[k]}`).toString('base64'));
        expect([got.width, got.height]).toEqual([want.width, want.height]);
        expect(img.seed).toBe(c.request.seed);
        expect(maxPixelStep(got.rgba, want.rgba), 'uint8 step').toBeLessThanOrEqual(1);
      });
    });

    // The sampler cases' latents are checked in seeded-samplers.test.ts, from the same references.
    if (c.field_group === 'samplers') continue;
    it(`${c.name}: the pipeline's final latents equal diffusers' (≤ 1e-4)`, async () => {
      const { components, info } = await tinyModel();
      const v = validateRequest(c.request, { sizeRule: info.sizeRule, maxClipSkip: info.maxClipSkip }, info.defaultSize);
      if (!v.ok) throw new Error(JSON.stringify(v.detail));
      const { images } = await generate(components, v.request, { randomSeed: () => 0 });
      const ref = groupOf(c);
      expect(maxAbsDiff(images[0]!.finalLatents!, ref.float(c.expected.final_latents))).toBeLessThanOrEqual(1e-4);
    });
  }

  it('negative_prompt_2 without negative_prompt changes nothing (diffusers zeroes the negatives either way)', async () => {
    const c = run.find((k) => k.request.negative_prompt_2 !== undefined && k.request.negative_prompt === undefined)!;
    const { components, info } = await tinyModel();
    const resolve = (body: Record<string, unknown>) => {
      const v = validateRequest(body, { sizeRule: info.sizeRule }, info.defaultSize);
      if (!v.ok) throw new Error(JSON.stringify(v.detail));
      return v.request;
    };
    const { negative_prompt_2: _unused, ...without } = c.request;
    const a = await generate(components, resolve(c.request), { randomSeed: () => 0 });
    const b = await generate(components, resolve(without), { randomSeed: () => 0 });
    expect(Array.from(a.images[0]!.finalLatents!)).toEqual(Array.from(b.images[0]!.finalLatents!));
  });
});
