// Property test over the request schema: 10,000 seeded bodies, valid and mutated; each validates or names the broken field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldError } from '../../src/schema/response';
import { MAX_REPORTED_ERRORS, checkForModel, validateRequest, type Validation } from '../../src/schema/validate';
import { fuzzParams, reportCounts } from './fuzz-config';
import { SDXL, TINY, bodyMutation, fieldMutation, validBody, type Body, type LimitsCase, type Loc, type Mutation, type ValidCase } from './fuzz-requests';

/** At least 10,000 generated requests per run, as the issue asks. */
const CASES = 10_000;

interface Counts {
  valid: number;
  invalid: number;
  [kind: string]: number;
}

interface Case {
  l: LimitsCase;
  valid: ValidCase;
  mutations: Mutation[];
}

const caseArb: fc.Arbitrary<Case> = fc.constantFrom(SDXL, TINY).chain((l) => validBody(l).chain((valid) => fc.oneof(
  { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
  { weight: 2, arbitrary: bodyMutation(l, valid).map((m) => [m]) },
  { weight: 1, arbitrary: fc.uniqueArray(fieldMutation(l), { minLength: 1, maxLength: 3, selector: (m) => m.field }) },
).map((mutations) => ({ l, valid, mutations }))));

const startsWith = (loc: Loc, prefix: Loc) => prefix.every((p, i) => loc[i] === p);

function describeCase(c: Case): string {
  return `${c.l.name} ${c.valid.mode} [${c.mutations.map((m) => `${m.kind}→${m.expect.map((p) => p.join('.')).join(',')}`).join('; ')}]`;
}

/** A failed expectation, cheap enough for 10,000 cases (vitest's expect costs more than the validation itself). */
function check(ok: boolean, why: () => string): void {
  if (!ok) throw new Error(why());
}

/** The error list's shape: bounded, every entry a located, typed, worded problem. */
function checkShape(detail: FieldError[]): void {
  check(detail.length > 0 && detail.length <= MAX_REPORTED_ERRORS, () => `${detail.length} errors (1 to ${MAX_REPORTED_ERRORS} expected)`);
  for (const e of detail) {
    const located = e.loc[0] === 'body' && e.loc.every((p) => typeof p === 'string' || typeof p === 'number');
    check(located && typeof e.msg === 'string' && e.msg.length > 0 && typeof e.type === 'string' && e.type.length > 0, () => `malformed error ${JSON.stringify(e)}`);
  }
}

function checkCase(c: Case, counts: Counts): void {
  const make = (): unknown => c.mutations.reduce<unknown>((b, m) => m.apply(b as Body), structuredClone(c.valid.body));
  const model = { sizeRule: c.l.limits.sizeRule, defaultSize: c.l.defaultSize, maxClipSkip: c.l.limits.maxClipSkip };
  const v: Validation = validateRequest(make(), c.l.limits, c.l.defaultSize);
  // The page's check (app and widget) runs the same validation for the same model.
  const page = checkForModel(make(), model);
  const invalid = c.mutations.some((m) => m.expect.length > 0);
  for (const m of c.mutations) counts[m.kind] = (counts[m.kind] ?? 0) + 1;

  if (!invalid) {
    // No silent correction: every field comes back as sent, and the size defaults to the model's.
    if (!v.ok) throw new Error(`a valid body was refused: ${JSON.stringify(v.detail)}`);
    const sent = c.valid.body;
    const back = Object.fromEntries(Object.keys(sent).map((k) => [k, (v.request as unknown as Body)[k]]));
    expect(back).toEqual(sent);
    check(v.request.width === (sent.width ?? c.l.defaultSize[0]) && v.request.height === (sent.height ?? c.l.defaultSize[1]), () => `size ${v.request.width}×${v.request.height}`);
    check(page.every((e) => e.type === 'not_supported'), () => `the page check refused a valid body: ${JSON.stringify(page)}`);
    counts.valid++;
    return;
  }
  if (v.ok) throw new Error('a broken body validated');
  checkShape(v.detail);
  expect(page).toEqual(v.detail);
  // A throwing getter stops the reading: its field is named, and the other faults wait for the next try.
  const getters = c.mutations.filter((m) => m.kind === 'throwing_getter');
  const required = (getters.length > 0 ? getters : c.mutations).flatMap((m) => m.expect);
  const allowed = new Set(c.mutations.flatMap((m) => m.expect.map((p) => String(p[1] ?? 'body'))));
  for (const path of required) {
    check(v.detail.some((e) => startsWith(e.loc, path)), () => `no error at ${path.join('.')}: ${JSON.stringify(v.detail)}`);
  }
  for (const e of v.detail) {
    if (e.type === 'too_many_errors') continue;
    const top = e.loc.length > 1 ? String(e.loc[1]) : 'body';
    check(allowed.has(top), () => `error at ${e.loc.join('.')} names a field no mutation touched: ${JSON.stringify(e)}`);
  }
  if (c.mutations.some((m) => m.capped)) {
    check(v.detail.length === MAX_REPORTED_ERRORS && v.detail.at(-1)!.type === 'too_many_errors', () => `not capped: ${v.detail.length} errors`);
  }
  counts.invalid++;
}

describe('request schema fuzz', () => {
  it(`validates ${CASES} generated requests or names the broken field, never throwing`, () => {
    const counts: Counts = { valid: 0, invalid: 0 };
    let runs = 0;
    fc.assert(fc.property(caseArb, (c) => {
      runs++;
      try {
        checkCase(c, counts);
      } catch (e) {
        throw new Error(`${describeCase(c)}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }), fuzzParams(CASES));
    reportCounts('request-schema', { cases: runs, ...counts });
    expect(counts.valid + counts.invalid).toBe(CASES);
    // Both sides are exercised in earnest.
    expect(counts.valid).toBeGreaterThan(CASES / 10);
    expect(counts.invalid).toBeGreaterThan(CASES / 2);
  });
});
