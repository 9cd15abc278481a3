// The request rules of inpaint_full_res / inpaint_full_res_padding, in the 422 shape, and the fixture's requests.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INPAINT_PADDING, type ModelLimits } from '../../src/schema/request';
import { validateRequest } from '../../src/schema/validate';
import { testDataDir } from './reference';

const TINY: ModelLimits = { sizeRule: { kind: 'range', min: 64, max: 1024, multiple: 8 } };
const check = (body: unknown) => validateRequest(body, TINY, [64, 64]);
const errors = (body: unknown) => {
  const v = check(body);
  if (v.ok) throw new Error('expected a validation error');
  return v.detail;
};
const inpaint = { prompt: 'x', init_image: 'AAAA', mask_image: 'AAAA' };

describe('inpaint_full_res in the request schema', () => {
  it('defaults to off, with a 32 px padding (A1111; OctoAI does not say)', () => {
    const v = check({ prompt: 'x' });
    expect(v.ok && [v.request.inpaint_full_res, v.request.inpaint_full_res_padding]).toEqual([false, DEFAULT_INPAINT_PADDING]);
    expect(DEFAULT_INPAINT_PADDING).toBe(32);
    const on = check({ ...inpaint, inpaint_full_res: true });
    expect(on.ok && on.request.inpaint_full_res_padding).toBe(32);
  });

  it('needs mask_image, and names the field', () => {
    const d = errors({ prompt: 'x', init_image: 'AAAA', inpaint_full_res: true });
    expect(d).toEqual([{ loc: ['body', 'inpaint_full_res'], msg: expect.stringContaining('mask_image'), type: 'value_error' }]);
    expect(errors({ prompt: 'x', inpaint_full_res: true }).map((e) => e.loc[1])).toEqual(['inpaint_full_res']);
  });

  it('takes the padding only with inpaint_full_res: true, as a whole number of pixels ≥ 0', () => {
    expect(errors({ ...inpaint, inpaint_full_res_padding: 8 })).toEqual([
      { loc: ['body', 'inpaint_full_res_padding'], msg: expect.stringContaining('inpaint_full_res: true'), type: 'value_error' },
    ]);
    expect(errors({ ...inpaint, inpaint_full_res: false, inpaint_full_res_padding: 8 }).map((e) => e.loc[1])).toEqual(['inpaint_full_res_padding']);
    expect(errors({ ...inpaint, inpaint_full_res: true, inpaint_full_res_padding: -1 })).toEqual([
      expect.objectContaining({ loc: ['body', 'inpaint_full_res_padding'], type: 'greater_than_equal' }),
    ]);
    expect(errors({ ...inpaint, inpaint_full_res: true, inpaint_full_res_padding: 2.5 })).toEqual([
      expect.objectContaining({ loc: ['body', 'inpaint_full_res_padding'], type: 'int_type' }),
    ]);
    expect(errors({ ...inpaint, inpaint_full_res: 'yes' })).toEqual([expect.objectContaining({ loc: ['body', 'inpaint_full_res'], type: 'boolean_type' })]);
    const zero = check({ ...inpaint, inpaint_full_res: true, inpaint_full_res_padding: 0 });
    expect(zero.ok && zero.request.inpaint_full_res_padding).toBe(0);
  });

  it('does not combine with outpainting', () => {
    expect(errors({ ...inpaint, outpainting: true, inpaint_full_res: true })).toEqual([
      { loc: ['body', 'inpaint_full_res'], msg: expect.stringContaining('outpainting'), type: 'value_error' },
    ]);
  });

  it("accepts the fixture's inpaint_full_res requests as they are", () => {
    const file = JSON.parse(readFileSync(`${testDataDir}tiny-sdxl-octoai-extras/requests.json`, 'utf8')) as {
      cases: { field_group: string; request: Record<string, unknown> }[];
    };
    const cases = file.cases.filter((c) => c.field_group === 'inpaint_full_res');
    expect(cases).toHaveLength(2);
    for (const c of cases) {
      const v = check(c.request);
      expect(v.ok, JSON.stringify(!v.ok && v.detail)).toBe(true);
      expect(v.ok && [v.request.inpaint_full_res, v.request.inpaint_full_res_padding])
        .toEqual([true, c.request.inpaint_full_res_padding]);
    }
  });
});
