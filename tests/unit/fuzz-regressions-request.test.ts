// The request fuzz's shrunk counterexamples, kept as plain tests: each failed before its fix in src/schema.
import { describe, expect, it } from 'vitest';
import { SDXL_LIMITS, type ModelLimits } from '../../src/schema/request';
import { validateRequest } from '../../src/schema/validate';

const TINY: ModelLimits = { sizeRule: { kind: 'range', min: 64, max: 1024, multiple: 8 }, maxClipSkip: 4 };
const sdxl = (body: unknown) => validateRequest(body, SDXL_LIMITS, [1024, 1024]);
const locs = (v: ReturnType<typeof sdxl>) => (v.ok ? [] : v.detail.map((d) => d.loc));

function withGetter(body: Record<string, unknown>, field: string, get: () => unknown): Record<string, unknown> {
  Object.defineProperty(body, field, { enumerable: true, get });
  return body;
}

describe('request fuzz regressions', () => {
  it('names the field whose getter throws, not the whole body', () => {
    expect(locs(sdxl(withGetter({ prompt: 'x' }, 'steps', () => { throw new Error('getter says no'); })))).toEqual([['body', 'steps']]);
    const loras = withGetter({}, 'style', () => { throw new Error('no'); });
    expect(locs(sdxl({ prompt: 'x', loras }))).toEqual([['body', 'loras', 'style']]);
  });

  it('reads each field once: a getter cannot pass the schema with one value and the rules with another', () => {
    // tiny img2img, width read as 552 by the schema and as -1 by the size rule: a valid body was refused.
    let reads = 0;
    const body = withGetter({ prompt: 'x', height: 552 }, 'width', () => (reads++ === 0 ? 552 : -1));
    const v = validateRequest(body, TINY, [64, 64]);
    expect(v.ok && [v.request.width, v.request.height]).toEqual([552, 552]);
    // strength present for the schema, absent for the rule that needs init_image: it slipped through.
    let n = 0;
    expect(locs(sdxl(withGetter({ prompt: 'x' }, 'strength', () => (n++ === 0 ? 0.5 : undefined))))).toEqual([['body', 'strength']]);
  });

  it('never throws, whatever a getter or a Proxy throws', () => {
    const hostile = [
      { toString() { throw new Error('toString throws too'); } },
      Object.defineProperty(new Error('x'), 'message', { get() { throw new Error('message getter throws'); } }),
      Symbol('thrown'),
    ];
    for (const thrown of hostile) {
      expect(locs(sdxl(withGetter({ prompt: 'x' }, 'vae', () => { throw thrown; })))).toEqual([['body', 'vae']]);
      const proxy = new Proxy({ prompt: 'x' }, { ownKeys: () => { throw thrown; }, getPrototypeOf: () => { throw thrown; } });
      expect(locs(sdxl(proxy))).toEqual([['body']]);
    }
  });

  it('blames num_images, not a good seed list, when num_images itself is wrong', () => {
    expect(locs(sdxl({ prompt: 'x', num_images: -1, seed: [1] }))).toEqual([['body', 'num_images']]);
    expect(locs(sdxl({ prompt: 'x', num_images: 'two', seed: [1, 2] }))).toEqual([['body', 'num_images']]);
    // A well-formed num_images still checks the list.
    expect(locs(sdxl({ prompt: 'x', num_images: 3, seed: [1, 2] }))).toEqual([['body', 'seed']]);
  });

  it('blames inpaint_full_res, not its padding, when inpaint_full_res is not a boolean', () => {
    expect(locs(sdxl({ prompt: 'x', init_image: 'A', mask_image: 'A', inpaint_full_res: 'yes', inpaint_full_res_padding: 3 }))).toEqual([['body', 'inpaint_full_res']]);
  });

  it('refuses reserved names in transfer_images too (zod would drop them silently)', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const transfer = {};
      Object.defineProperty(transfer, key, { value: ['AAAA'], enumerable: true });
      expect(locs(sdxl({ prompt: 'x', transfer_images: transfer }))).toEqual([['body', 'transfer_images', key]]);
    }
  });

  it('refuses a Date or a Map as the body, or as a record, instead of reading it as {}', () => {
    expect(locs(sdxl(new Date(0)))).toEqual([['body']]);
    expect(locs(sdxl(new Map([['prompt', 'x']])))).toEqual([['body']]);
    expect(locs(sdxl({ prompt: 'x', loras: new Map([['style', 1]]) }))).toEqual([['body', 'loras']]);
  });

  it('refuses a list too long to walk (even a sparse one) at once, on its field', () => {
    const seed: number[] = [];
    seed.length = 1e9;
    const start = performance.now();
    expect(locs(sdxl({ prompt: 'x', seed }))).toEqual([['body', 'seed']]);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
