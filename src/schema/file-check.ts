// One way to check a JSON file a model or the store brings: a zod schema, and on failure an Error naming the file and
// each bad field with its rule (never a crash or a NaN further on).
import type { z } from 'zod';

/** At most this many field problems are named in one message. */
const MAX_ISSUES = 8;

export class ModelFileInvalidError extends Error {
  constructor(readonly file: string, readonly issues: string[]) {
    super(`${file} is not valid: ${issues.slice(0, MAX_ISSUES).join('; ')}${issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more` : ''}.`);
    this.name = 'ModelFileInvalidError';
  }
}

/** The parsed file, or a ModelFileInvalidError naming `where` and every bad field. */
export function parseFile<S extends z.ZodType>(schema: S, json: unknown, where: string): z.output<S> {
  const r = schema.safeParse(json);
  if (r.success) return r.data;
  throw new ModelFileInvalidError(where, r.error.issues.map((i) => {
    // A bad key of a record: say which rule the key broke, not only that it is invalid.
    const rule = i.code === 'invalid_key' ? `key ${i.issues.map((k) => k.message).join(', ')}` : i.message;
    return `${i.path.map(String).join('.') || 'file'}: ${rule}`;
  }));
}
