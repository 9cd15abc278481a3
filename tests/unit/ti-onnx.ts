// Test helpers for textual-inversion ONNX checks: read an initializer back, and rewrite one (fp16, renamed nodes).
import { ONNX } from '../../src/runtime/onnx-external-data';
import { concatBytes, decodeString, lengthDelimited, scanFields, stringField, varintField, type ProtoField } from '../../src/runtime/protobuf';

export interface ReadTensor {
  dims: number[];
  dataType: number;
  raw?: Uint8Array;
  external?: Record<string, string>;
}

function graphOf(model: Uint8Array): ProtoField {
  return scanFields(model).find((f) => f.field === ONNX.MODEL_GRAPH && f.wire === 2)!;
}

function initializerField(model: Uint8Array, name: string): ProtoField {
  const g = graphOf(model);
  const init = scanFields(model, g.valueStart, g.valueEnd).find((f) => {
    if (f.field !== ONNX.GRAPH_INITIALIZER) return false;
    const n = scanFields(model, f.valueStart, f.valueEnd).find((x) => x.field === ONNX.TENSOR_NAME);
    return n !== undefined && decodeString(model, n) === name;
  });
  if (!init) throw new Error(`no initializer ${name}`);
  return init;
}

/** The initializer `name` of the model: dims, element type, raw bytes or external-data entries. */
export function tensorOf(model: Uint8Array, name: string): ReadTensor {
  const init = initializerField(model, name);
  const t: ReadTensor = { dims: [], dataType: 0 };
  for (const f of scanFields(model, init.valueStart, init.valueEnd)) {
    if (f.field === 1) t.dims.push(f.varint);
    if (f.field === 2) t.dataType = f.varint;
    if (f.field === ONNX.TENSOR_RAW_DATA) t.raw = model.slice(f.valueStart, f.valueEnd);
    if (f.field === ONNX.TENSOR_EXTERNAL_DATA) {
      const [k, v] = scanFields(model, f.valueStart, f.valueEnd).map((e) => decodeString(model, e));
      (t.external ??= {})[k!] = v!;
    }
  }
  return t;
}

/** Rebuilds the model with each graph field mapped by `edit` (a field's bytes, or replacements). */
export function editGraph(model: Uint8Array, edit: (f: ProtoField) => Uint8Array | undefined): Uint8Array {
  const g = graphOf(model);
  const graph = concatBytes(scanFields(model, g.valueStart, g.valueEnd).map((f) => edit(f) ?? model.subarray(f.start, f.end)));
  return concatBytes(scanFields(model).map((f) => (f.start === g.start ? lengthDelimited(ONNX.MODEL_GRAPH, graph) : model.subarray(f.start, f.end))));
}

/** The initializer `name` replaced by one of the given element type, dims and raw bytes. */
export function replaceInitializer(model: Uint8Array, name: string, dataType: number, dims: number[], raw: Uint8Array): Uint8Array {
  const init = initializerField(model, name);
  const tensor = concatBytes([...dims.map((d) => varintField(1, d)), varintField(2, dataType), stringField(ONNX.TENSOR_NAME, name), lengthDelimited(ONNX.TENSOR_RAW_DATA, raw)]);
  return editGraph(model, (f) => (f.start === init.start ? lengthDelimited(ONNX.GRAPH_INITIALIZER, tensor) : undefined));
}

/** The initializer `name` replaced by an external one with the given entries (location, offset, length). */
export function externalInitializer(model: Uint8Array, name: string, dims: number[], entries: Record<string, string>): Uint8Array {
  const init = initializerField(model, name);
  const ext = Object.entries(entries).map(([k, v]) => lengthDelimited(ONNX.TENSOR_EXTERNAL_DATA, concatBytes([stringField(ONNX.ENTRY_KEY, k), stringField(ONNX.ENTRY_VALUE, v)])));
  const tensor = concatBytes([...dims.map((d) => varintField(1, d)), varintField(2, 1), stringField(ONNX.TENSOR_NAME, name), ...ext, varintField(ONNX.TENSOR_DATA_LOCATION, 1)]);
  return editGraph(model, (f) => (f.start === init.start ? lengthDelimited(ONNX.GRAPH_INITIALIZER, tensor) : undefined));
}

/** Every node named `from` renamed `to`. */
export function renameNode(model: Uint8Array, from: string, to: string): Uint8Array {
  return editGraph(model, (f) => {
    if (f.field !== ONNX.GRAPH_NODE) return undefined;
    const fields = scanFields(model, f.valueStart, f.valueEnd);
    const name = fields.find((x) => x.field === 3);
    if (!name || decodeString(model, name) !== from) return undefined;
    return lengthDelimited(ONNX.GRAPH_NODE, concatBytes(fields.map((x) => (x === name ? stringField(3, to) : model.subarray(x.start, x.end)))));
  });
}
