// Turns a request body into a resolved request, or into a 422-shaped list of every problem at once.
import type { z } from 'zod';
import {
  CHECKPOINT_DEFAULTS, DEFAULT_CHECKPOINT, MAX_SEED, crossFieldErrors, requestSchema, type ModelLimits, type ParsedRequest,
} from './request';
import { unsupportedFields } from './engine-support';
import { describeThrown, readBody } from './read-body';
import type { FieldError } from './response';
import { SAMPLERS, type Sampler } from './samplers';
import { SDXL_SIZE_RULE, type SizeRule } from './sizes';
export { defaultSizeFor } from './sizes';

/** A request with every default decided: what the pipeline runs. */
export interface ResolvedRequest extends Omit<ParsedRequest, 'steps' | 'cfg_scale' | 'sampler' | 'width' | 'height'> {
  steps: number;
  cfg_scale: number;
  sampler: Sampler;
  width: number;
  height: number;
}

export type Validation = { ok: true; request: ResolvedRequest } | { ok: false; detail: FieldError[] };

const TYPE_NAMES: Record<string, string> = {
  number: 'a number', int: 'an integer', string: 'a string', boolean: 'true or false', array: 'a list',
  object: 'an object', record: 'an object',
};

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = body;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.map(String).join('.') || 'body';
}

function issueToErrors(issue: z.core.$ZodIssue, body: unknown): FieldError[] {
  const loc = ['body', ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))];
  const name = `\`${fieldName(issue.path)}\``;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        loc: [...loc, key],
        msg: `Unknown field \`${key}\`: remove it (check the spelling against the API's field names).`,
        type: 'extra_forbidden',
      }));
    case 'invalid_type': {
      if (valueAt(body, issue.path) === undefined) {
        return [{ loc, msg: `Field required: add ${name} (${TYPE_NAMES[issue.expected] ?? issue.expected}).`, type: 'missing' }];
      }
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      return [{ loc, msg: `${name} must be ${expected}.`, type: `${issue.expected}_type` }];
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return [{ loc, msg: `${name} may have at most ${max} entries.`, type: 'too_long' }];
      if (issue.origin === 'string') return [{ loc, msg: `${name} may be at most ${max} characters.`, type: 'too_long' }];
      return issue.inclusive
        ? [{ loc, msg: `Make sure ${name} ≤ ${max}.`, type: 'less_than_equal' }]
        : [{ loc, msg: `Make sure ${name} < ${max}.`, type: 'less_than' }];
    }
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array') return [{ loc, msg: `${name} needs at least ${min} entries.`, type: 'too_short' }];
      return issue.inclusive
        ? [{ loc, msg: `Make sure ${name} ≥ ${min}.`, type: 'greater_than_equal' }]
        : [{ loc, msg: `Make sure ${name} > ${min}.`, type: 'greater_than' }];
    }
    case 'invalid_value':
      return [{ loc, msg: `${name} must be one of: ${issue.values.map(String).join(', ')}.`, type: 'enum' }];
    case 'invalid_union': {
      // Report the branch that matches the value's shape (e.g. the list branch for a seed list).
      const branch = issue.errors.find((errs) => !errs.some((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (branch) return branch.flatMap((e) => issueToErrors({ ...e, path: [...issue.path, ...e.path] } as z.core.$ZodIssue, body));
      return [{ loc, msg: `${name} must be an integer from 0 to ${MAX_SEED}, or a list of them (one per image).`, type: 'union_type' }];
    }
    case 'custom': {
      const type = (issue.params as { type?: string } | undefined)?.type ?? 'value_error';
      return [{ loc, msg: issue.message, type }];
    }
    default:
      return [{ loc, msg: `${name}: ${issue.message}`, type: 'value_error' }];
  }
}

/** At most this many errors are listed; the last entry then says how many more there were. */
export const MAX_REPORTED_ERRORS = 50;
/** Keys that name an object's prototype machinery: zod drops them silently, so they are refused by name. */
const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'];
const RECORD_FIELDS = ['loras', 'textual_inversions', 'transfer_images'];
/**
 * Other fields a rule between fields reads: when the schema already refused one of them, the rule is not checked, or
 * it would blame a correct field for another's fault (a good seed list "not matching" a num_images of "two").
 */
const RULE_READS: Record<string, readonly string[]> = {
  seed: ['num_images'],
  inpaint_full_res_padding: ['inpaint_full_res'],
  outpainting: ['init_image', 'mask_image'],
  inpaint_full_res: ['mask_image', 'outpainting'],
};

function reservedKeyErrors(body: Record<string, unknown>): FieldError[] {
  const own = (o: unknown) => (o !== null && typeof o === 'object' && !Array.isArray(o) ? Object.keys(o) : []);
  const bad = (keys: string[], loc: string[]) => keys.filter((k) => RESERVED_KEYS.includes(k)).map((k) => ({
    loc: [...loc, k], msg: `"${k}" cannot be used as a name here: it is reserved by JavaScript objects. Rename it.`, type: 'value_error',
  }));
  return [...bad(own(body), ['body']), ...RECORD_FIELDS.flatMap((f) => bad(own(body[f]), ['body', f]))];
}

function capped(detail: FieldError[]): FieldError[] {
  if (detail.length <= MAX_REPORTED_ERRORS) return detail;
  const more = detail.length - (MAX_REPORTED_ERRORS - 1);
  return [...detail.slice(0, MAX_REPORTED_ERRORS - 1), { loc: ['body'], msg: `… and ${more} more problems like these.`, type: 'too_many_errors' }];
}

/** Validates against the schema for a model's limits; reports every violation at once (capped), never throws. */
export function validateRequest(body: unknown, limits: ModelLimits, defaultSize: readonly [number, number]): Validation {
  try {
    // Read once: a getter cannot show the schema one value and the engine another, nor throw past this point.
    const read = readBody(body);
    return read.ok ? validateReadable(read.value, limits, defaultSize) : { ok: false, detail: capped(read.detail) };
  } catch (e) {
    return { ok: false, detail: [{ loc: ['body'], msg: `The request could not be read (${describeThrown(e)}): send plain JSON data.`, type: 'value_error' }] };
  }
}

function validateReadable(body: unknown, limits: ModelLimits, defaultSize: readonly [number, number]): Validation {
  const parsed = requestSchema.safeParse(body);
  const isObject = body !== null && typeof body === 'object' && !Array.isArray(body);
  const schemaErrors = parsed.success ? [] : parsed.error.issues.flatMap((i) => issueToErrors(i, body));
  const reported = new Set(schemaErrors.map((e) => String(e.loc[1])));
  const judged = (e: FieldError) => !reported.has(String(e.loc[1])) && !(RULE_READS[String(e.loc[1])] ?? []).some((f) => reported.has(f));
  const ruleErrors = isObject
    ? [...reservedKeyErrors(body as Record<string, unknown>), ...crossFieldErrors(body as Record<string, unknown>, limits).filter(judged)]
    : [];
  if (!parsed.success || ruleErrors.length > 0) return { ok: false, detail: capped([...schemaErrors, ...ruleErrors]) };
  const r = parsed.data;
  const d = CHECKPOINT_DEFAULTS[r.checkpoint] ?? CHECKPOINT_DEFAULTS[DEFAULT_CHECKPOINT]!;
  return {
    ok: true,
    request: {
      ...r,
      steps: r.steps ?? d.steps,
      cfg_scale: r.cfg_scale ?? d.cfg_scale,
      sampler: r.sampler ?? d.sampler,
      width: r.width ?? defaultSize[0],
      height: r.height ?? defaultSize[1],
    },
  };
}

/** What a page knows of the loaded model: enough to check a request before sending it. */
export interface LoadedLimits {
  sizeRule: SizeRule;
  defaultSize: readonly [number, number];
  maxClipSkip?: number;
}

/**
 * The check the app page and the widget run before sending a request: the schema and the loaded model's limits (SDXL's
 * when none is loaded), then fields this engine cannot honour. Every sampler name counts as implemented here; the worker
 * checks against the pipeline's own list, so no scheduler code reaches a page.
 */
export function checkForModel(body: unknown, model: LoadedLimits | undefined): FieldError[] {
  const v = validateRequest(body, { sizeRule: model?.sizeRule ?? SDXL_SIZE_RULE, maxClipSkip: model?.maxClipSkip }, model?.defaultSize ?? [1024, 1024]);
  return v.ok ? unsupportedFields(v.request, { samplers: SAMPLERS }) : v.detail;
}
