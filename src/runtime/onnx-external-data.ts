// Lists the external-data files an .onnx model refers to, read from its initializers' protobuf fields (never guessed).
import { decodeString, scanFields } from './protobuf';

export const ONNX = {
  MODEL_GRAPH: 7,
  GRAPH_NODE: 1,
  GRAPH_INITIALIZER: 5,
  NODE_ATTRIBUTE: 5,
  ATTRIBUTE_T: 5,
  ATTRIBUTE_G: 6,
  ATTRIBUTE_TENSORS: 10,
  ATTRIBUTE_GRAPHS: 11,
  TENSOR_NAME: 8,
  TENSOR_RAW_DATA: 9,
  TENSOR_EXTERNAL_DATA: 13,
  TENSOR_DATA_LOCATION: 14,
  ENTRY_KEY: 1,
  ENTRY_VALUE: 2,
} as const;

/** Subgraphs (If/Loop bodies) nest; a crafted file could nest them until the stack overflows. */
export const MAX_GRAPH_DEPTH = 64;

/**
 * A location is a plain file name beside model.onnx: no folders, no "..", no absolute path, no URL. Anything else would
 * send requests outside the model's folder (or fail deep inside the store), so it is refused with its name.
 */
function checkedLocation(location: string): string {
  const plain = location.length > 0 && location.length <= 255 && !/[/\\:\u0000-\u001f]/.test(location) && location !== '.' && location !== '..';
  if (!plain) throw new Error(`The graph names an external-data file ${JSON.stringify(location.slice(0, 120))}: only a plain file name beside model.onnx is allowed (no folders, "..", absolute paths or URLs).`);
  return location;
}

function tensorLocation(buf: Uint8Array, from: number, to: number, out: Set<string>): void {
  for (const f of scanFields(buf, from, to)) {
    if (f.field !== ONNX.TENSOR_EXTERNAL_DATA || f.wire !== 2) continue;
    let key = '';
    let value = '';
    for (const e of scanFields(buf, f.valueStart, f.valueEnd)) {
      if (e.field === ONNX.ENTRY_KEY) key = decodeString(buf, e);
      if (e.field === ONNX.ENTRY_VALUE) value = decodeString(buf, e);
    }
    if (key === 'location') out.add(checkedLocation(value));
  }
}

function graphLocations(buf: Uint8Array, from: number, to: number, out: Set<string>, depth = 0): void {
  if (depth > MAX_GRAPH_DEPTH) throw new Error(`The graph nests subgraphs more than ${MAX_GRAPH_DEPTH} deep: not a model this app can read.`);
  for (const f of scanFields(buf, from, to)) {
    if (f.wire !== 2) continue;
    if (f.field === ONNX.GRAPH_INITIALIZER) tensorLocation(buf, f.valueStart, f.valueEnd, out);
    if (f.field !== ONNX.GRAPH_NODE) continue;
    for (const attr of scanFields(buf, f.valueStart, f.valueEnd)) {
      if (attr.field !== ONNX.NODE_ATTRIBUTE || attr.wire !== 2) continue;
      for (const a of scanFields(buf, attr.valueStart, attr.valueEnd)) {
        if (a.wire !== 2) continue;
        if (a.field === ONNX.ATTRIBUTE_T || a.field === ONNX.ATTRIBUTE_TENSORS) tensorLocation(buf, a.valueStart, a.valueEnd, out);
        if (a.field === ONNX.ATTRIBUTE_G || a.field === ONNX.ATTRIBUTE_GRAPHS) graphLocations(buf, a.valueStart, a.valueEnd, out, depth + 1);
      }
    }
  }
}

/** The distinct `location` values of every externally stored tensor, in first-use order. */
export function externalDataFiles(model: Uint8Array): string[] {
  const out = new Set<string>();
  for (const f of scanFields(model)) {
    if (f.field === ONNX.MODEL_GRAPH && f.wire === 2) graphLocations(model, f.valueStart, f.valueEnd, out);
  }
  return [...out];
}
