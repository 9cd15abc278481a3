// Indexes an ONNX graph for weight patching: nodes, Identity aliases, and where each initializer's bytes live.
import { ONNX } from './onnx-external-data';
import { decodeString, scanFields, type ProtoField } from './protobuf';

export const DATA_TYPE = { FLOAT: 1, FLOAT16: 10 } as const;
const ELEM_BYTES: Record<number, number> = { [DATA_TYPE.FLOAT]: 4, [DATA_TYPE.FLOAT16]: 2 };

const NODE = { INPUT: 1, OUTPUT: 2, NAME: 3, OP_TYPE: 4, ATTRIBUTE: 5 } as const;
const ATTR = { NAME: 1, I: 3 } as const;
const TENSOR = { DIMS: 1, DATA_TYPE: 2, FLOAT_DATA: 4 } as const;
/** No real weight has more dims than a conv kernel; a crafted tensor with thousands is refused. */
const MAX_DIMS = 8;

export interface GraphNode {
  op: string;
  inputs: string[];
  /** Integer attributes (transB, …). */
  ints: Record<string, number>;
}

/** Where an initializer's bytes are: a byte range of model.onnx (raw_data or packed float_data), or a range of a shard. */
export type InitializerData =
  | { kind: 'inline'; start: number; end: number }
  | { kind: 'external'; location: string; offset: number; length: number };

export interface InitializerInfo {
  name: string;
  /** ONNX TensorProto.DataType: 1 float32, 10 float16 (others are indexed but cannot be patched). */
  dataType: number;
  dims: number[];
  data: InitializerData | undefined;
}

export interface GraphIndex {
  nodes: Map<string, GraphNode>;
  /** Identity output → its input. */
  identities: Map<string, string>;
  initializers: Map<string, InitializerInfo>;
}

function packedVarints(buf: Uint8Array, f: ProtoField): number[] {
  if (f.wire === 0) return [f.varint];
  // A packed repeated varint field: its payload is a run of varints, read as the fields of a pseudo-message would not be.
  const out: number[] = [];
  let pos = f.valueStart;
  while (pos < f.valueEnd) {
    let v = 0;
    let shift = 0;
    for (let n = 0; ; n++) {
      if (pos >= f.valueEnd || n >= 10) throw new Error('malformed packed dims in an ONNX tensor');
      const b = buf[pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    out.push(v);
  }
  return out;
}

function externalRef(buf: Uint8Array, fields: ProtoField[], name: string): InitializerData {
  const entries = new Map<string, string>();
  for (const f of fields) {
    if (f.field !== ONNX.TENSOR_EXTERNAL_DATA || f.wire !== 2) continue;
    let key = '';
    let value = '';
    for (const e of scanFields(buf, f.valueStart, f.valueEnd)) {
      if (e.field === ONNX.ENTRY_KEY && e.wire === 2) key = decodeString(buf, e);
      if (e.field === ONNX.ENTRY_VALUE && e.wire === 2) value = decodeString(buf, e);
    }
    entries.set(key, value);
  }
  const location = entries.get('location');
  if (!location || /[/\\:\u0000-\u001f]/.test(location) || location === '.' || location === '..') {
    throw new Error(`Initializer ${name} names the external-data file ${JSON.stringify(location ?? '')}: only a plain file name beside model.onnx is allowed.`);
  }
  const num = (key: string, fallback?: number) => {
    const s = entries.get(key);
    if (s === undefined && fallback !== undefined) return fallback;
    if (s === undefined || !/^\d{1,15}$/.test(s)) throw new Error(`Initializer ${name}: external-data ${key} ${JSON.stringify(s ?? '(missing)')} is not a byte count.`);
    return Number(s);
  };
  return { kind: 'external', location, offset: num('offset', 0), length: num('length') };
}

function tensorInfo(buf: Uint8Array, from: number, to: number): InitializerInfo {
  const fields = scanFields(buf, from, to);
  const nameField = fields.find((f) => f.field === ONNX.TENSOR_NAME && f.wire === 2);
  const name = nameField ? decodeString(buf, nameField) : '';
  const dims = fields.filter((f) => f.field === TENSOR.DIMS).flatMap((f) => packedVarints(buf, f));
  if (dims.length > MAX_DIMS) throw new Error(`Initializer ${name} has ${dims.length} dims: not a weight this app patches.`);
  const dataType = fields.find((f) => f.field === TENSOR.DATA_TYPE && f.wire === 0)?.varint ?? 0;
  const external = fields.some((f) => f.field === ONNX.TENSOR_DATA_LOCATION && f.wire === 0 && f.varint === 1);
  const raw = fields.find((f) => f.field === ONNX.TENSOR_RAW_DATA && f.wire === 2);
  const floats = fields.find((f) => f.field === TENSOR.FLOAT_DATA && f.wire === 2);
  let data: InitializerData | undefined;
  if (external) data = externalRef(buf, fields, name);
  else if (raw) data = { kind: 'inline', start: raw.valueStart, end: raw.valueEnd };
  // Packed float_data holds the same little-endian float32 bytes as raw_data would (float32 only).
  else if (floats && dataType === DATA_TYPE.FLOAT) data = { kind: 'inline', start: floats.valueStart, end: floats.valueEnd };
  return { name, dataType, dims, data };
}

function nodeInfo(buf: Uint8Array, from: number, to: number): [name: string, node: GraphNode] {
  let name = '';
  let op = '';
  const inputs: string[] = [];
  const ints: Record<string, number> = {};
  for (const f of scanFields(buf, from, to)) {
    if (f.wire !== 2) continue;
    if (f.field === NODE.INPUT) inputs.push(decodeString(buf, f));
    else if (f.field === NODE.NAME) name = decodeString(buf, f);
    else if (f.field === NODE.OP_TYPE) op = decodeString(buf, f);
    else if (f.field === NODE.ATTRIBUTE) {
      const a = scanFields(buf, f.valueStart, f.valueEnd);
      const n = a.find((x) => x.field === ATTR.NAME && x.wire === 2);
      const i = a.find((x) => x.field === ATTR.I && x.wire === 0);
      if (n && i) ints[decodeString(buf, n)] = i.varint;
    }
  }
  return [name, { op, inputs, ints }];
}

/** The top-level graph's nodes, aliases and initializers. Reads model.onnx only: external shards are never opened. */
export function indexOnnxGraph(model: Uint8Array): GraphIndex {
  const index: GraphIndex = { nodes: new Map(), identities: new Map(), initializers: new Map() };
  const graph = scanFields(model).find((f) => f.field === ONNX.MODEL_GRAPH && f.wire === 2);
  if (!graph) throw new Error('model.onnx has no graph.');
  for (const f of scanFields(model, graph.valueStart, graph.valueEnd)) {
    if (f.wire !== 2) continue;
    if (f.field === ONNX.GRAPH_INITIALIZER) {
      const t = tensorInfo(model, f.valueStart, f.valueEnd);
      index.initializers.set(t.name, t);
    } else if (f.field === ONNX.GRAPH_NODE) {
      const [name, node] = nodeInfo(model, f.valueStart, f.valueEnd);
      if (name) index.nodes.set(name, node);
      if (node.op === 'Identity' && node.inputs[0]) {
        const outs = scanFields(model, f.valueStart, f.valueEnd).filter((x) => x.field === NODE.OUTPUT && x.wire === 2);
        for (const o of outs) index.identities.set(decodeString(model, o), node.inputs[0]);
      }
    }
  }
  return index;
}

/** Follows Identity aliases (bounded: a cycle is an error) to the initializer behind a node input. */
export function resolveInitializer(index: GraphIndex, input: string): InitializerInfo | undefined {
  let name = input;
  for (let hops = 0; hops <= index.identities.size; hops++) {
    const init = index.initializers.get(name);
    if (init) return init;
    const next = index.identities.get(name);
    if (next === undefined) return undefined;
    name = next;
  }
  throw new Error(`Identity nodes form a cycle at ${input}.`);
}

/** Bytes per element of a patchable data type, or undefined. */
export const elementBytes = (dataType: number): number | undefined => ELEM_BYTES[dataType];

/** The byte length the dims and type call for, checked against where the bytes are. */
export function checkedByteLength(t: InitializerInfo): number {
  const per = elementBytes(t.dataType);
  if (per === undefined) throw new Error(`Initializer ${t.name} has data type ${t.dataType}: only float32 and float16 weights can be patched.`);
  if (!t.data) throw new Error(`Initializer ${t.name} keeps its values in a field this app does not patch (not raw_data or external data).`);
  const want = t.dims.reduce((a, b) => a * b, 1) * per;
  const have = t.data.kind === 'inline' ? t.data.end - t.data.start : t.data.length;
  if (want !== have) throw new Error(`Initializer ${t.name} [${t.dims.join(', ')}] should hold ${want} bytes but holds ${have}.`);
  return want;
}
