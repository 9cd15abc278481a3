// Generators for the request fuzz: valid OctoAI bodies within a model's limits, and mutations that each say which field they broke.
import fc from 'fast-check';
import { MAX_INPAINT_PADDING, MAX_SEED, REQUEST_FIELDS, type ModelLimits, type RequestField } from '../../src/schema/request';
import { SAMPLERS } from '../../src/schema/samplers';
import { STYLE_PRESETS } from '../../src/schema/style-presets';
import { SDXL_SIZE_RULE, type Size, type SizeRule } from '../../src/schema/sizes';

export type Body = Record<string, unknown>;
export type Loc = (string | number)[];

export interface LimitsCase {
  name: string;
  limits: ModelLimits;
  defaultSize: Size;
}
/** The tiny fixture model's limits (its sdxl-web.json range, its text encoders' depth) and SDXL's nine buckets. */
export const TINY: LimitsCase = { name: 'tiny', limits: { sizeRule: { kind: 'range', min: 64, max: 1024, multiple: 8 }, maxClipSkip: 4 }, defaultSize: [64, 64] };
export const SDXL: LimitsCase = { name: 'sdxl', limits: { sizeRule: SDXL_SIZE_RULE }, defaultSize: [1024, 1024] };

export const MODES = ['txt2img', 'img2img', 'inpaint', 'outpaint', 'inpaint_full_res'] as const;
export type Mode = (typeof MODES)[number];

const RESERVED = ['__proto__', 'constructor', 'prototype'];
const key = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !RESERVED.includes(k));
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 30, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'x'.repeat(20_000), 'é'.repeat(20_000), '(a:1.5) BREAK [b]') },
);
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });

function sizeArb(rule: SizeRule): fc.Arbitrary<Size> {
  if (rule.kind === 'list') return fc.constantFrom(...rule.sizes);
  const side = fc.integer({ min: rule.min / rule.multiple, max: rule.max / rule.multiple }).map((n) => n * rule.multiple);
  return fc.tuple(side, side);
}

/** A side the rule allows with some other side, but that the rule never allows (a 'not a size' height or width). */
function badSide(rule: SizeRule): fc.Arbitrary<number> {
  if (rule.kind === 'list') return fc.integer({ min: 1, max: 5000 }).filter((v) => !rule.sizes.some(([w, h]) => w === v || h === v));
  return fc.oneof(
    fc.integer({ min: 1, max: rule.min - 1 }),
    fc.integer({ min: rule.max + 1, max: 100_000 }),
    fc.integer({ min: rule.min, max: rule.max }).filter((v) => v % rule.multiple !== 0),
  );
}

export interface ValidCase {
  body: Body;
  mode: Mode;
}

/** A request every rule accepts for these limits: each field in its range, every sampler and style, all five modes. */
export function validBody(l: LimitsCase, only?: { modes?: readonly Mode[]; small?: boolean }): fc.Arbitrary<ValidCase> {
  const small = only?.small ?? false;
  return fc.record({
    mode: fc.constantFrom(...(only?.modes ?? MODES)),
    prompt: small ? fc.string({ maxLength: 30 }) : text,
    negative_prompt: opt(small ? fc.string({ maxLength: 20 }) : text),
    prompt_2: opt(small ? fc.string({ maxLength: 20 }) : text),
    negative_prompt_2: opt(small ? fc.string({ maxLength: 20 }) : text),
    style_preset: opt(fc.constantFrom(...STYLE_PRESETS)),
    size: small ? fc.constant(undefined) : opt(sizeArb(l.limits.sizeRule)),
    num_images: small ? opt(fc.integer({ min: 1, max: 2 })) : opt(fc.integer({ min: 1, max: 16 })),
    seed: fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: MAX_SEED }), fc.array(fc.integer({ min: 0, max: MAX_SEED }), { minLength: 16, maxLength: 16 })),
    steps: small ? opt(fc.integer({ min: 1, max: 4 })) : opt(fc.integer({ min: 1, max: 200 })),
    cfg_scale: opt(fc.double({ min: 0, max: 50, minExcluded: true, noNaN: true })),
    sampler: opt(fc.constantFrom(...SAMPLERS)),
    image: small ? fc.constant('') : text,
    strength: opt(fc.double({ min: 0, max: 1, minExcluded: true, noNaN: true })),
    padding: opt(fc.integer({ min: 0, max: MAX_INPAINT_PADDING })),
    flagsOff: fc.boolean(),
    checkpoint: small ? fc.constant(undefined) : opt(fc.oneof(fc.constant('octoai:lightning_sdxl'), text)),
    vae: small ? fc.constant(undefined) : opt(text),
    loras: small ? fc.constant(undefined) : opt(fc.dictionary(key, finite, { maxKeys: 4 })),
    textual_inversions: small ? fc.constant(undefined) : opt(fc.dictionary(key, text, { maxKeys: 3 })),
    // Small requests run through the engine: the refiner and ControlNet (refused whenever on) stay off there.
    use_refiner: small ? opt(fc.constant(false)) : opt(fc.boolean()),
    high_noise_frac: small ? fc.constant(undefined) : opt(fc.double({ min: 0, max: 1, noNaN: true })),
    image_encoding: opt(fc.constantFrom('png', 'jpeg')),
    clip_skip: opt(fc.integer({ min: 0, max: l.limits.maxClipSkip ?? 1_000_000 })),
    log_prompt: opt(fc.boolean()),
    controlnet: small ? fc.constant(undefined) : opt(text),
    controlnet_conditioning_scale: small ? fc.constant(undefined) : opt(finite),
    controlnet_early_stop: small ? fc.constant(undefined) : opt(finite),
    controlnet_preprocess: small ? opt(fc.constant(false)) : opt(fc.boolean()),
    transfer_images: small ? fc.constant(undefined) : opt(fc.dictionary(key, fc.array(text, { maxLength: 2 }), { maxKeys: 2 })),
  }).map((g) => {
    const b: Body = { prompt: g.prompt };
    const put = (k: RequestField, v: unknown) => {
      if (v !== undefined) b[k] = v;
    };
    put('negative_prompt', g.negative_prompt);
    put('prompt_2', g.prompt_2);
    put('negative_prompt_2', g.negative_prompt_2);
    put('style_preset', g.style_preset);
    if (g.size) [b.width, b.height] = g.size;
    put('num_images', g.num_images);
    put('seed', Array.isArray(g.seed) ? g.seed.slice(0, g.num_images ?? 1) : g.seed);
    put('steps', g.steps);
    put('cfg_scale', g.cfg_scale);
    put('sampler', g.sampler);
    for (const k of ['checkpoint', 'vae', 'loras', 'textual_inversions', 'use_refiner', 'high_noise_frac', 'image_encoding', 'clip_skip',
      'log_prompt', 'controlnet', 'controlnet_conditioning_scale', 'controlnet_early_stop', 'controlnet_preprocess', 'transfer_images'] as const) {
      put(k, g[k]);
    }
    if (g.mode !== 'txt2img') {
      b.init_image = g.image;
      put('strength', g.strength);
    }
    if (g.mode === 'inpaint' || g.mode === 'outpaint' || g.mode === 'inpaint_full_res') b.mask_image = g.image;
    if (g.mode === 'outpaint') b.outpainting = true;
    else if (g.flagsOff) b.outpainting = false;
    if (g.mode === 'inpaint_full_res') {
      b.inpaint_full_res = true;
      put('inpaint_full_res_padding', g.padding);
    } else if (g.flagsOff) b.inpaint_full_res = false;
    return { body: b, mode: g.mode };
  });
}

/** A mutation of a valid body, and what its errors must name. */
export interface Mutation {
  kind: string;
  /** Makes the broken body from a fresh copy of the valid one (getters and Proxies are made anew for each validator). */
  apply(body: Body): unknown;
  /** Each path must begin some error's loc; errors may only name these paths' top-level fields. */
  expect: Loc[];
  /** The body validates exactly like this plain one (a transparent Proxy, a getter read once). */
  sameAs?(body: Body): Body;
  /** The error list is expected to be cut at the cap. */
  capped?: boolean;
}

type Kind = 'string' | 'int' | 'number' | 'bool' | 'seed' | 'enum' | 'record';
const FIELD_KIND: Record<RequestField, Kind> = {
  prompt: 'string', negative_prompt: 'string', prompt_2: 'string', negative_prompt_2: 'string', style_preset: 'enum',
  width: 'int', height: 'int', num_images: 'int', steps: 'int', cfg_scale: 'number', sampler: 'enum', seed: 'seed',
  init_image: 'string', strength: 'number', mask_image: 'string', outpainting: 'bool', inpaint_full_res: 'bool',
  inpaint_full_res_padding: 'int', checkpoint: 'string', vae: 'string', loras: 'record', textual_inversions: 'record',
  use_refiner: 'bool', high_noise_frac: 'number', image_encoding: 'enum', clip_skip: 'int', log_prompt: 'bool',
  controlnet: 'string', controlnet_image: 'string', controlnet_conditioning_scale: 'number', controlnet_early_stop: 'number',
  controlnet_preprocess: 'bool', transfer_images: 'record',
};
const WRONG: Record<Kind, unknown[]> = {
  string: [1, 0, true, null, [], {}, ['a'], { a: 'b' }],
  int: ['1', '', 1.5, -0.25, true, null, [], {}, [1], NaN, Infinity, -Infinity, 1e400, 2 ** 53 + 2],
  number: ['1', true, false, null, [], {}, [0.5], NaN, Infinity, -Infinity],
  bool: ['true', 'false', 1, 0, null, [], {}, [true]],
  seed: ['1', 1.5, true, null, {}, ['1'], [1.5], [[1]], NaN, Infinity],
  enum: [1, true, null, [], {}, '', 'definitely-not-an-option', 'K_EULER ', 'PNG'],
  record: [[], [1], [{ a: 1 }], 'x', 1, true, null],
};
const OUT_OF_RANGE: Partial<Record<RequestField, unknown[]>> = {
  width: [0, -8, -1024], height: [0, -8, -1024], num_images: [0, 17, -1, 1_000_000], steps: [0, -1, 201, 10_000],
  cfg_scale: [0, -0, -1, 50.000001, 51, 1e308], strength: [0, -0, -0.5, 1.0000001, 2], high_noise_frac: [-1e-9, -1, 1.0000001, 7],
  seed: [-1, MAX_SEED + 1, 2 ** 40, Number.MAX_SAFE_INTEGER], inpaint_full_res_padding: [-1, MAX_INPAINT_PADDING + 1, 1e9],
  clip_skip: [-1, -100],
};
const PROMPTS: RequestField[] = ['prompt', 'negative_prompt', 'prompt_2', 'negative_prompt_2'];
const RECORDS = ['loras', 'textual_inversions', 'transfer_images'] as const;
const RECORD_VALUE: Record<(typeof RECORDS)[number], unknown> = { loras: 0.5, textual_inversions: 'word', transfer_images: ['AAAA'] };
const RECORD_BAD: Record<(typeof RECORDS)[number], unknown[]> = {
  loras: ['1', NaN, Infinity, null, {}, [1], true],
  textual_inversions: [1, null, {}, ['a'], true],
  transfer_images: ['AAAA', 1, null, {}, [1], [null], [['a']]],
};

/** Sets a property as JSON.parse would: an own, enumerable one, even for "__proto__". */
export function defineOwn(o: object, k: string, value: unknown): void {
  Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
}

function nested(depth: number, asArray: boolean, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
}

/** Values a throwing getter or trap throws: Errors, and things that are not Errors at all. */
const thrown = fc.constantFrom<() => unknown>(
  () => new Error('getter says no'),
  () => new RangeError('range'),
  () => 'a string',
  () => undefined,
  () => null,
  () => Symbol('thrown'),
  () => ({ toString() { throw new Error('toString throws too'); } }),
  () => Object.defineProperty(new Error('x'), 'message', { get() { throw new Error('message getter throws'); } }),
);

function hostileProxy(target: object, raise: () => unknown): object {
  const trap = () => { throw raise(); };
  return new Proxy(target, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap });
}

const otherSide = (l: LimitsCase, field: 'width' | 'height') => (field === 'width' ? l.defaultSize[1] : l.defaultSize[0]);
const withPartner = (b: Body, l: LimitsCase, field: RequestField) => {
  // width and height go together: the partner is set to a good value, so the only fault is the mutated side.
  // (`in`, not a read: the partner may already be a throwing getter.)
  if (field === 'width' && !('height' in b)) b.height = otherSide(l, 'width');
  if (field === 'height' && !('width' in b)) b.width = otherSide(l, 'height');
};

/** Mutations that break one field each; several can be combined on distinct fields. */
export function fieldMutation(l: LimitsCase): fc.Arbitrary<Mutation & { field: string }> {
  const fieldNames = fc.constantFrom(...REQUEST_FIELDS);
  const wrongType = fieldNames.chain((field) => fc.constantFrom(...WRONG[FIELD_KIND[field]]).map((v): Mutation & { field: string } => ({
    kind: 'wrong_type', field, expect: [['body', field]],
    apply: (b) => { b[field] = v; withPartner(b, l, field); return b; },
  })));
  const ranged = Object.keys(OUT_OF_RANGE) as RequestField[];
  const outOfRange = fc.constantFrom(...ranged).chain((field) => fc.constantFrom(...OUT_OF_RANGE[field]!).map((v): Mutation & { field: string } => ({
    kind: 'out_of_range', field, expect: [['body', field]],
    apply: (b) => { b[field] = v; withPartner(b, l, field); return b; },
  })));
  const hugeString = fc.tuple(fc.constantFrom(...PROMPTS), fc.constantFrom(20_001, 50_000, 200_000), fc.constantFrom('a', '😀', ' ')).map(([field, n, ch]): Mutation & { field: string } => ({
    kind: 'huge_string', field, expect: [['body', field]],
    // The limit counts characters (code points), so an emoji counts once.
    apply: (b) => { b[field] = ch.repeat(n); return b; },
  }));
  const recordValue = fc.constantFrom(...RECORDS).chain((field) => fc.tuple(key, fc.constantFrom(...RECORD_BAD[field])).map(([k, v]): Mutation & { field: string } => ({
    kind: 'record_value', field, expect: [['body', field, k]],
    apply: (b) => {
      const rec = { ...(b[field] as object | undefined) };
      defineOwn(rec, k, v);
      b[field] = rec;
      return b;
    },
  })));
  const throwingGetter = fc.tuple(fieldNames, thrown).map(([field, raise]): Mutation & { field: string } => ({
    kind: 'throwing_getter', field, expect: [['body', field]],
    apply: (b) => {
      withPartner(b, l, field);
      Object.defineProperty(b, field, { enumerable: true, configurable: true, get: () => { throw raise(); } });
      return b;
    },
  }));
  return fc.oneof(
    { weight: 4, arbitrary: wrongType },
    { weight: 3, arbitrary: outOfRange },
    { weight: 1, arbitrary: hugeString },
    { weight: 2, arbitrary: recordValue },
    { weight: 1, arbitrary: throwingGetter },
  );
}

/** Mutations of the body as a whole, of its keys, and of the rules between fields: one per case. */
export function bodyMutation(l: LimitsCase, valid: ValidCase): fc.Arbitrary<Mutation> {
  const unknownKey = fc.tuple(
    fc.oneof(fc.constantFrom(...RESERVED, 'Prompt', 'steps ', 'toString', 'hasOwnProperty', 'valueOf', ''), fc.string({ maxLength: 20 })).filter((k) => !(REQUEST_FIELDS as string[]).includes(k)),
    fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(undefined, NaN, () => 1, Symbol('s'), 10n)),
  ).map(([k, v]): Mutation => ({
    kind: 'unknown_key', expect: [['body', k]],
    // An undefined value is a key all the same: JSON has no undefined, but a page's object can.
    apply: (b) => { defineOwn(b, k, v); return b; },
  }));
  const reservedRecordKey = fc.tuple(fc.constantFrom(...RECORDS), fc.constantFrom(...RESERVED)).map(([field, k]): Mutation => ({
    kind: 'reserved_record_key', expect: [['body', field, k]],
    apply: (b) => { const rec = {}; defineOwn(rec, k, RECORD_VALUE[field]); b[field] = rec; return b; },
  }));
  const manyErrors = fc.tuple(fc.constantFrom(...RECORDS), fc.integer({ min: 51, max: 400 })).map(([field, n]): Mutation => ({
    kind: 'many_errors', expect: [['body', field]], capped: true,
    apply: (b) => {
      const rec: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) rec[`k${i}`] = field === 'loras' ? 'not a number' : 7;
      b[field] = rec;
      return b;
    },
  }));
  const deep = fc.tuple(fc.constantFrom('prompt', 'seed', 'loras', 'steps', 'extra'), fc.integer({ min: 2, max: 20_000 }), fc.boolean()).map(([at, depth, asArray]): Mutation => ({
    kind: 'deep_nesting', expect: at === 'loras' ? [['body', 'loras', 'deep']] : [['body', at]],
    apply: (b) => {
      const v = nested(depth, asArray, 1);
      if (at === 'loras') b.loras = { deep: v };
      else b[at] = v;
      return b;
    },
  }));
  const seedElement = fc.tuple(fc.integer({ min: 1, max: 16 }), fc.nat(), fc.constantFrom(-1, MAX_SEED + 1, 0.5, '3', null, NaN, [1])).map(([n, at, bad]): Mutation => {
    const i = at % n;
    return {
      kind: 'seed_element', expect: [['body', 'seed', i]],
      apply: (b) => {
        b.num_images = n;
        b.seed = Array.from({ length: n }, (_, j) => (j === i ? bad : j));
        return b;
      },
    };
  });
  const nestedGetter = fc.tuple(fc.constantFrom(...RECORDS), key, thrown).map(([field, k, raise]): Mutation => ({
    kind: 'nested_throwing_getter', expect: [['body', field, k]],
    apply: (b) => {
      const rec = {};
      Object.defineProperty(rec, k, { enumerable: true, get: () => { throw raise(); } });
      b[field] = rec;
      return b;
    },
  }));
  const present = Object.keys(valid.body);
  const statefulGetter = fc.tuple(fc.constantFrom(...present), fc.constantFrom(undefined, 'changed', -1, null)).map(([field, later]): Mutation => ({
    // The first read gives the valid value, later reads something else: validation must judge one reading only.
    kind: 'stateful_getter', expect: [],
    sameAs: (b) => b,
    apply: (b) => {
      const first = b[field];
      let reads = 0;
      Object.defineProperty(b, field, { enumerable: true, configurable: true, get: () => (reads++ === 0 ? first : later) });
      return b;
    },
  }));
  const proxyBody = fc.tuple(fc.constantFrom('transparent', 'hostile', 'revoked', 'field'), thrown, fc.constantFrom(...RECORDS)).map(([how, raise, field]): Mutation => {
    if (how === 'transparent') return { kind: 'proxy_transparent', expect: [], sameAs: (b) => b, apply: (b) => new Proxy(b, {}) };
    if (how === 'revoked') {
      return { kind: 'proxy_revoked', expect: [['body']], apply: (b) => { const p = Proxy.revocable(b, {}); p.revoke(); return p.proxy; } };
    }
    if (how === 'field') {
      return { kind: 'proxy_field', expect: [['body', field]], apply: (b) => { b[field] = hostileProxy({ a: RECORD_VALUE[field] }, raise); return b; } };
    }
    return { kind: 'proxy_hostile', expect: [['body']], apply: (b) => hostileProxy(b, raise) };
  });
  const notObject = fc.constantFrom<(b: Body) => unknown>(() => null, () => undefined, () => 42, () => 'prompt', () => true, () => [], (b) => [b], () => new Date(0), () => new Map([['prompt', 'x']]))
    .map((make): Mutation => ({ kind: 'not_an_object', expect: [['body']], apply: make }));
  const missingPrompt = fc.constant<Mutation>({ kind: 'missing_prompt', expect: [['body', 'prompt']], apply: (b) => { delete b.prompt; return b; } });
  return fc.oneof(
    { weight: 3, arbitrary: unknownKey },
    { weight: 1, arbitrary: reservedRecordKey },
    { weight: 1, arbitrary: manyErrors },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: seedElement },
    { weight: 1, arbitrary: nestedGetter },
    { weight: 1, arbitrary: statefulGetter },
    { weight: 2, arbitrary: proxyBody },
    { weight: 1, arbitrary: notObject },
    { weight: 1, arbitrary: missingPrompt },
    { weight: 4, arbitrary: crossMutation(l) },
  );
}

/** Breaks a rule between fields; the error belongs to the field the rule names. */
function crossMutation(l: LimitsCase): fc.Arbitrary<Mutation> {
  const toTxt2img = (b: Body) => {
    for (const k of ['init_image', 'mask_image', 'strength', 'outpainting', 'inpaint_full_res', 'inpaint_full_res_padding']) delete b[k];
  };
  const options: fc.Arbitrary<Mutation>[] = [
    fc.constant({ kind: 'strength_without_init', expect: [['body', 'strength']], apply: (b: Body) => { toTxt2img(b); b.strength = 0.5; return b; } }),
    fc.constant({ kind: 'mask_without_init', expect: [['body', 'mask_image']], apply: (b: Body) => { toTxt2img(b); b.mask_image = 'AAAA'; return b; } }),
    fc.constant({ kind: 'outpaint_without_mask', expect: [['body', 'outpainting']], apply: (b: Body) => { toTxt2img(b); b.init_image = 'AAAA'; b.outpainting = true; return b; } }),
    fc.constant({ kind: 'full_res_without_mask', expect: [['body', 'inpaint_full_res']], apply: (b: Body) => { toTxt2img(b); b.init_image = 'AAAA'; b.inpaint_full_res = true; return b; } }),
    fc.constant({
      kind: 'full_res_with_outpaint', expect: [['body', 'inpaint_full_res']],
      apply: (b: Body) => { toTxt2img(b); Object.assign(b, { init_image: 'AAAA', mask_image: 'AAAA', outpainting: true, inpaint_full_res: true }); return b; },
    }),
    fc.integer({ min: 0, max: MAX_INPAINT_PADDING }).map((p) => ({
      kind: 'padding_without_full_res', expect: [['body', 'inpaint_full_res_padding']],
      apply: (b: Body) => { if (b.inpaint_full_res === true) toTxt2img(b); b.inpaint_full_res_padding = p; return b; },
    })),
    fc.constantFrom('width', 'height').map((alone) => ({
      kind: 'size_half', expect: [['body', alone === 'width' ? 'height' : 'width']],
      apply: (b: Body) => { delete b.width; delete b.height; b[alone] = l.defaultSize[0]; return b; },
    })),
    fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 16 })).filter(([n, s]) => n !== s).map(([n, s]) => ({
      kind: 'seed_count', expect: [['body', 'seed']],
      apply: (b: Body) => { b.num_images = n; b.seed = Array.from({ length: s }, (_, i) => i); return b; },
    })),
    fc.tuple(fc.constantFrom('width', 'height'), badSide(l.limits.sizeRule)).map(([field, v]) => ({
      kind: 'size_not_allowed', expect: [['body', field]],
      apply: (b: Body) => { [b.width, b.height] = l.defaultSize; b[field] = v; return b; },
    })),
  ];
  const max = l.limits.maxClipSkip;
  if (max !== undefined) {
    options.push(fc.integer({ min: max + 1, max: 10_000 }).map((v) => ({ kind: 'clip_skip_over_model', expect: [['body', 'clip_skip']], apply: (b: Body) => { b.clip_skip = v; return b; } })));
  }
  return fc.oneof(...options);
}
