// Fixes a graph's free input dims at given values in the graph itself: the static shapes freeDimensionOverrides gives,
// for runtimes that do not take that option (onnxruntime-node's binding silently ignores it).
import { ONNX } from './onnx-external-data';
import { INPUT_FIELDS as F } from './onnx-input-dims';
import { concatBytes, decodeString, lengthDelimited, scanFields, varintField } from './protobuf';
import type { DimValues } from './session-shapes';

/** Rebuilds the message `buf[from, to)` with each field the function returns bytes for replaced (the others kept). */
function rebuilt(buf: Uint8Array, from: number, to: number, replace: (f: ReturnType<typeof scanFields>[number]) => Uint8Array | undefined) {
  let changed = false;
  const parts = scanFields(buf, from, to).map((f) => {
    const r = f.wire === 2 ? replace(f) : undefined;
    if (r) changed = true;
    return r ?? buf.subarray(f.start, f.end);
  });
  return changed ? concatBytes(parts) : undefined;
}

/**
 * The model with every top-level graph input dim named in `dims` (a dim_param) made that dim_value; the same bytes back
 * when no input names one. Other dims, outputs and nodes are untouched: onnxruntime infers the rest from the inputs,
 * as it does under freeDimensionOverrides.
 */
export function fixInputDims(model: Uint8Array, dims: DimValues): Uint8Array {
  const dimension = (f: { valueStart: number; valueEnd: number }) => {
    const param = scanFields(model, f.valueStart, f.valueEnd).find((v) => v.field === F.DIM_PARAM && v.wire === 2);
    const value = param ? dims[decodeString(model, param)] : undefined;
    return value === undefined ? undefined : lengthDelimited(F.SHAPE_DIM, varintField(F.DIM_VALUE, value));
  };
  const nest = (field: number, inner: (f: { valueStart: number; valueEnd: number }) => Uint8Array | undefined) => (f: { field: number; valueStart: number; valueEnd: number }) => {
    if (f.field !== field) return undefined;
    const body = inner(f);
    return body && lengthDelimited(field, body);
  };
  const shape = (f: { valueStart: number; valueEnd: number }) => rebuilt(model, f.valueStart, f.valueEnd, (d) => (d.field === F.SHAPE_DIM ? dimension(d) : undefined));
  const tensorType = (f: { valueStart: number; valueEnd: number }) => rebuilt(model, f.valueStart, f.valueEnd, nest(F.TENSOR_TYPE_SHAPE, shape));
  const type = (f: { valueStart: number; valueEnd: number }) => rebuilt(model, f.valueStart, f.valueEnd, nest(F.TYPE_TENSOR, tensorType));
  const valueInfo = (f: { valueStart: number; valueEnd: number }) => rebuilt(model, f.valueStart, f.valueEnd, nest(F.VALUE_INFO_TYPE, type));
  const graph = (f: { valueStart: number; valueEnd: number }) => rebuilt(model, f.valueStart, f.valueEnd, nest(F.GRAPH_INPUT, valueInfo));
  return rebuilt(model, 0, model.length, nest(ONNX.MODEL_GRAPH, graph)) ?? model;
}
