// The request fuzz through the worker's engine in Node with the tiny model: small valid requests in every mode give
// images of the requested size or a documented refusal; broken ones get the schema's own field errors, never a crash.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { validateRequest } from '../../src/schema/validate';
import { fuzzParams, reportCounts } from './fuzz-config';
import { TINY, bodyMutation, validBody, type Body, type LimitsCase } from './fuzz-requests';
import { decodePng, nodeEngine } from './node-model';
import { modelDir, testDataDir } from './reference';

/** Generations are the slow part: a small subset of the request space, each 64×64 and 1–4 steps. */
const GENERATIONS = 24;
const REFUSALS = 1_000;
/** A generation that takes longer than this is a hang (each takes well under a second here). */
const HANG_MS = 60_000;

const png = (name: string) => readFileSync(`${testDataDir}reference/images/${name}`).toString('base64');
const INIT = png('init_image.png');
const MASK = png('mask.png');

function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not answer within ${HANG_MS} ms`)), HANG_MS); });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

describe('engine fuzz (tiny model, Node)', () => {
  const engine = nodeEngine();
  /** The limits the loaded model reports (its size rule, default size and text-encoder depth). */
  let model: LimitsCase = TINY;
  beforeAll(async () => {
    const r = await engine.loadModel(modelDir);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const { sizeRule, defaultSize, maxClipSkip } = r.value;
    model = { name: 'engine', limits: { sizeRule, maxClipSkip }, defaultSize };
    expect(model).toEqual({ ...TINY, name: 'engine' });
  });

  it(`runs ${GENERATIONS} generated valid requests: an image of the requested size each, or a documented refusal`, async () => {
    const counts: { ok: number; images: number; [k: string]: number } = { ok: 0, images: 0 };
    let n = 0;
    await fc.assert(fc.asyncProperty(validBody(model, { small: true }), async ({ body, mode }) => {
      // The fixture pictures stand in for the generated strings: 64×64, as the Node decoder needs.
      if (body.init_image !== undefined) body.init_image = INIT;
      if (body.mask_image !== undefined) body.mask_image = MASK;
      const r = await within(engine.generate(`fuzz-${n++}`, body), JSON.stringify(body).slice(0, 300));
      counts[`mode_${mode}`] = (counts[`mode_${mode}`] ?? 0) + 1;
      if (!r.ok) {
        // Fields this engine names as unsupported (samplers it lacks, ControlNet), or names of a checkpoint or an asset
        // this device does not hold (the generator makes up names): nothing else.
        const names = r.error.code === 'invalid_request' && r.error.detail!.every((d) => d.type === 'unknown_name');
        if (!names) expect(r.error.code, JSON.stringify(r.error)).toBe('not_supported');
        expect(r.error.detail!.length).toBeGreaterThan(0);
        for (const d of r.error.detail!) expect(d.type).toBe(names ? 'unknown_name' : 'not_supported');
        counts[names ? 'unknown_name' : 'not_supported'] = (counts[names ? 'unknown_name' : 'not_supported'] ?? 0) + 1;
        return;
      }
      const wanted = (body.num_images as number | undefined) ?? 1;
      expect(r.value.images).toHaveLength(wanted);
      for (const img of r.value.images) {
        expect([img.width, img.height]).toEqual([64, 64]);
        expect(decodePng(img.image_b64)).toMatchObject({ width: 64, height: 64 });
        counts.images++;
      }
      counts.ok++;
    }), fuzzParams(GENERATIONS));
    reportCounts('engine-generations', { cases: GENERATIONS, ...counts });
    expect(counts.ok).toBeGreaterThan(GENERATIONS / 3);
  });

  it(`answers ${REFUSALS} broken requests with the schema's field errors for the loaded model`, async () => {
    const counts = { refused: 0 };
    const broken = validBody(model).chain((valid) => bodyMutation(model, valid).filter((m) => m.expect.length > 0).map((m) => ({ valid, m })));
    let n = 0;
    await fc.assert(fc.asyncProperty(broken, async ({ valid, m }) => {
      const make = () => m.apply(structuredClone(valid.body) as Body);
      const r = await within(engine.generate(`broken-${n++}`, make()), m.kind);
      const v = validateRequest(make(), model.limits, model.defaultSize);
      expect(v.ok).toBe(false);
      expect(r).toEqual({ ok: false, error: { code: 'invalid_request', message: 'The request is invalid.', detail: v.ok ? [] : v.detail } });
      counts.refused++;
    }), fuzzParams(REFUSALS));
    reportCounts('engine-refusals', { cases: REFUSALS, ...counts });
  });
});
