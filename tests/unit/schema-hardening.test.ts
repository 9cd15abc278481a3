// Hostile or odd request bodies: each gives field-level errors, never an exception, a silently dropped key, or an
// unbounded error list (issue 10's schema edge cases).
import { describe, expect, it } from 'vitest';
import { SDXL_LIMITS } from '../../src/schema/request';
import { MAX_REPORTED_ERRORS, validateRequest } from '../../src/schema/validate';

const check = (body: unknown) => validateRequest(body, SDXL_LIMITS, [1024, 1024]);
const detail = (body: unknown) => {
  const v = check(body);
  if (v.ok) throw new Error('expected errors');
  return v.detail;
};

describe('request bodies that try to slip past the schema', () => {
  it('refuses prototype-polluting keys by name instead of dropping them', () => {
    for (const field of ['loras', 'textual_inversions']) {
      const body = JSON.parse(`{"prompt": "x", "${field}": {"__proto__": 1, "ok": 1}}`) as unknown;
      expect(detail(body).map((d) => d.loc.join('.'))).toContain(`body.${field}.__proto__`);
    }
    expect(detail(JSON.parse('{"prompt": "x", "__proto__": {"steps": 1}}')).map((d) => d.loc.join('.'))).toContain('body.__proto__');
  });

  it('answers errors, not an exception, for a throwing getter or a hostile Proxy', () => {
    const getter = { prompt: 'x', get steps(): number { throw new Error('boom'); } };
    expect(detail(getter)[0]).toMatchObject({ loc: ['body', 'steps'], type: 'value_error' });
    const proxy = new Proxy({}, { ownKeys: () => { throw new Error('trap'); }, get: () => { throw new Error('trap'); } });
    expect(detail(proxy)[0]!.msg).toContain('could not be read');
  });

  it('caps the error list and says how many more there were', () => {
    const loras = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`l${i}`, 'not a number']));
    const d = detail({ prompt: 'x', loras });
    expect(d).toHaveLength(MAX_REPORTED_ERRORS);
    expect(d.at(-1)).toMatchObject({ loc: ['body'], type: 'too_many_errors' });
    expect(d.at(-1)!.msg).toContain(`${100_000 - (MAX_REPORTED_ERRORS - 1)} more`);
  });

  it('names the height when only the height is off', () => {
    expect(detail({ prompt: 'x', width: 1024, height: 1000 }).map((d) => d.loc.join('.'))).toEqual(['body.height']);
    expect(detail({ prompt: 'x', width: 1000, height: 1024 }).map((d) => d.loc.join('.'))).toEqual(['body.width']);
  });
});
