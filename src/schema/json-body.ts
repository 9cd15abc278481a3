// A request body's text as JSON, or the 422 detail naming why not (the service worker's endpoint and the CLI).
import type { FieldError } from './response';

export function parseJsonBody(text: string): { ok: true; body: unknown } | { ok: false; detail: FieldError[] } {
  try {
    return { ok: true, body: JSON.parse(text) as unknown };
  } catch (e) {
    const msg = `The body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
    return { ok: false, detail: [{ loc: ['body'], msg, type: 'json_invalid' }] };
  }
}
