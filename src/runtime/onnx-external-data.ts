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

function tensorLocation(buf: Uint8Array, from: number, to: number, out: Set<string>): void {
  for (const f of scanFields(buf, from, to)) {
    if (f.field !== ONNX.TENSOR_EXTERNAL_DATA || f.wire !== 2) continue;
    let key = '';
    let value = '';
    for (const e of scanFields(buf, f.valueStart, f.valueEnd)) {
      if (e.field === ONNX.ENTRY_KEY) key = decodeString(buf, e);
      if (e.field === ONNX.ENTRY_VALUE) value = decodeString(buf, e);
    }
    if (key === 'location') out.add(value);
  }
}

function graphLocations(buf: Uint8Array, from: number, to: number, out: Set<string>): void {
  for (const f of scanFields(buf, from, to)) {
    if (f.wire !== 2) continue;
    if (f.field === ONNX.GRAPH_INITIALIZER) tensorLocation(buf, f.valueStart, f.valueEnd, out);
    if (f.field !== ONNX.GRAPH_NODE) continue;
    for (const attr of scanFields(buf, f.valueStart, f.valueEnd)) {
      if (attr.field !== ONNX.NODE_ATTRIBUTE || attr.wire !== 2) continue;
      for (const a of scanFields(buf, attr.valueStart, attr.valueEnd)) {
        if (a.wire !== 2) continue;
        if (a.field === ONNX.ATTRIBUTE_T || a.field === ONNX.ATTRIBUTE_TENSORS) tensorLocation(buf, a.valueStart, a.valueEnd, out);
        if (a.field === ONNX.ATTRIBUTE_G || a.field === ONNX.ATTRIBUTE_GRAPHS) graphLocations(buf, a.valueStart, a.valueEnd, out);
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
