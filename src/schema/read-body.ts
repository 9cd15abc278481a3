// Reads a request body once into plain data, so validation judges exactly what runs, and a value that cannot be read
// (a throwing getter, a hostile Proxy, a Map where an object belongs) is named by its field instead of escaping.
import type { FieldError } from './response';

/**
 * The schema reads no container deeper than transfer_images.<word> (depth 2) and no value deeper than depth 3; a
 * container there is refused for its type without being opened, so it is copied empty.
 */
const OPENED_DEPTH = 3;
/** No list in a request is this long (seed lists stop at 16): a longer one, even sparse, is refused before it is walked. */
export const MAX_LIST_ENTRIES = 100_000;
/** Values read in all: lists of lists (sparse ones cost no memory) must not make the copy itself unbounded. */
export const MAX_BODY_VALUES = 1_000_000;

export type BodyRead = { ok: true; value: unknown } | { ok: false; detail: FieldError[] };

/** What was thrown, as text, whatever it is: a string, a Symbol, an Error whose message getter throws. */
export function describeThrown(e: unknown): string {
  try {
    return e instanceof Error ? String(e.message) : String(e);
  } catch {
    return 'an error that cannot be shown';
  }
}

/** An object literal or JSON.parse result (of any realm), not a Date, Map, typed array or class instance. */
function isPlainObject(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function setOwn(o: object, k: string, value: unknown): void {
  // As JSON.parse does: "__proto__" stays an ordinary key (the schema then refuses it by name).
  Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
}

/** Copies the body into plain objects and arrays, reading every property once; problems come back with their loc. */
export function readBody(body: unknown): BodyRead {
  const detail: FieldError[] = [];
  const refuse = (loc: (string | number)[], why: string) => {
    const name = loc.length > 0 ? `\`${loc.join('.')}\`` : 'The request';
    detail.push({ loc: ['body', ...loc], msg: `${name} ${why}: send plain JSON data.`, type: 'value_error' });
  };
  let values = 0;
  const copy = (v: unknown, loc: (string | number)[]): unknown => {
    values++;
    if (values === MAX_BODY_VALUES + 1) refuse(loc, `is past the ${MAX_BODY_VALUES} values a request may hold`);
    if (values > MAX_BODY_VALUES) return undefined;
    if (v === null || typeof v !== 'object') return v;
    try {
      const isArray = Array.isArray(v);
      if (loc.length >= OPENED_DEPTH) return isArray ? [] : {};
      if (isArray) {
        const n = v.length;
        if (n > MAX_LIST_ENTRIES) return refuse(loc, `is a list of ${n} entries (at most ${MAX_LIST_ENTRIES})`);
        const out: unknown[] = [];
        for (let i = 0; i < n && values <= MAX_BODY_VALUES; i++) out.push(read(v, i, [...loc, i]));
        return out;
      }
      if (!isPlainObject(v)) return refuse(loc, `is not plain data (${Object.prototype.toString.call(v)})`);
      const out = {};
      for (const k of Object.keys(v)) {
        if (values > MAX_BODY_VALUES) break;
        setOwn(out, k, read(v, k, [...loc, k]));
      }
      return out;
    } catch (e) {
      return refuse(loc, `could not be read (${describeThrown(e)})`);
    }
  };
  const read = (o: object, k: string | number, loc: (string | number)[]): unknown => {
    let v: unknown;
    try {
      v = (o as Record<string | number, unknown>)[k];
    } catch (e) {
      return refuse(loc, `could not be read (${describeThrown(e)})`);
    }
    return copy(v, loc);
  };
  const value = copy(body, []);
  return detail.length > 0 ? { ok: false, detail } : { ok: true, value };
}
