// The values of a graph's free dims for one call, read from its feeds: what a per-shape session is created for.
import type { DeclaredInput } from './onnx-input-dims';

/** Free dim name → value, e.g. { batch_size: 2, height: 8, width: 8, sequence_length: 77 }. */
export type DimValues = Readonly<Record<string, number>>;

/**
 * Each free dim's value in these feeds' dims. A feed whose rank or fixed dims differ from the graph's declaration, or a
 * free dim given two values (batch 2 in one input, 1 in another), is refused with the input, the dim and the rule.
 */
export function dimValues(declared: readonly DeclaredInput[], feeds: Readonly<Record<string, { dims: readonly number[] }>>): DimValues {
  const values: Record<string, number> = {};
  const seenIn: Record<string, string> = {};
  for (const input of declared) {
    const feed = feeds[input.name];
    if (!feed) continue; // an initializer listed as an input, or a missing feed onnxruntime will name
    const shape = `[${input.dims.map((d) => d ?? '?').join(', ')}]`;
    if (feed.dims.length !== input.dims.length) {
      throw new Error(`Input "${input.name}" has ${feed.dims.length} dims [${feed.dims.join(', ')}]; the model declares ${input.dims.length}: ${shape}.`);
    }
    input.dims.forEach((d, i) => {
      const v = feed.dims[i]!;
      if (!Number.isSafeInteger(v) || v < 1) throw new Error(`Input "${input.name}" dim ${i} is ${v}: dims must be positive integers.`);
      if (typeof d === 'number' && d !== v) throw new Error(`Input "${input.name}" dim ${i} is ${v}; the model fixes it at ${d} (${shape}).`);
      if (typeof d !== 'string') return;
      if (values[d] !== undefined && values[d] !== v) {
        throw new Error(`Free dim "${d}" is ${values[d]} in input "${seenIn[d]}" but ${v} in input "${input.name}": one call has one value per dim.`);
      }
      values[d] = v;
      seenIn[d] ??= input.name;
    });
  }
  return values;
}

/** A stable key for a shape: its dims sorted by name ("batch_size=2,height=8,…"). */
export function shapeKey(dims: DimValues): string {
  return Object.keys(dims).sort().map((k) => `${k}=${dims[k]}`).join(',');
}
