// A tiny ONNX ModelProto writer: enough to build the small elementwise graphs the device loop runs (opset 17).
import { concatBytes, encodeVarint, lengthDelimited, stringField, varintField } from './protobuf';

export type ElemType = 'float32' | 'float16' | 'int32' | 'int64' | 'uint8';
const ELEM_CODE: Record<ElemType, number> = { float32: 1, uint8: 2, int32: 6, int64: 7, float16: 10 };

/** A graph input or output: its name, element type and dims (strings are symbolic). */
export interface ValueSpec {
  name: string;
  type: ElemType;
  /** Absent: any shape. */
  dims?: readonly (number | string)[];
}

export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Integer attributes only (axis, to, perm …). */
  attrs?: Record<string, number | readonly number[]>;
}

export interface ConstSpec {
  name: string;
  type: 'float32' | 'int32' | 'int64';
  dims: readonly number[];
  values: readonly number[];
}

export interface GraphSpec {
  name: string;
  inputs: readonly ValueSpec[];
  outputs: readonly ValueSpec[];
  nodes: readonly NodeSpec[];
  constants?: readonly ConstSpec[];
}

const messages = (field: number, parts: readonly Uint8Array[]) => concatBytes(parts.map((p) => lengthDelimited(field, p)));

function valueInfo(v: ValueSpec): Uint8Array {
  const dims = v.dims?.map((d) => lengthDelimited(1, typeof d === 'number' ? varintField(1, d) : stringField(2, d)));
  const tensorType = concatBytes([varintField(1, ELEM_CODE[v.type]), ...(dims ? [lengthDelimited(2, concatBytes(dims))] : [])]);
  return concatBytes([stringField(1, v.name), lengthDelimited(2, lengthDelimited(1, tensorType))]);
}

/** Ints as an ONNX attribute stores them: two's-complement 64-bit varints, so negative axes work too. */
function int64Varint(value: number): Uint8Array {
  if (value >= 0) return encodeVarint(value);
  const bytes: number[] = [];
  let v = BigInt.asUintN(64, BigInt(value));
  for (let i = 0; i < 10; i++) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    bytes.push(v > 0n ? b | 0x80 : b);
    if (v === 0n) break;
  }
  return Uint8Array.from(bytes);
}

function attribute(name: string, value: number | readonly number[]): Uint8Array {
  if ([value].flat().some((v) => !Number.isInteger(v))) throw new Error(`attribute ${name}: only integer attributes are written`);
  if (typeof value === 'number') return concatBytes([stringField(1, name), encodeVarint(3 << 3), int64Varint(value), varintField(20, 2)]);
  const ints = value.map((v) => concatBytes([encodeVarint(8 << 3), int64Varint(v)]));
  return concatBytes([stringField(1, name), ...ints, varintField(20, 7)]);
}

function node(n: NodeSpec, index: number): Uint8Array {
  return concatBytes([
    ...n.inputs.map((i) => stringField(1, i)),
    ...n.outputs.map((o) => stringField(2, o)),
    stringField(3, `${n.op}_${index}`),
    stringField(4, n.op),
    messages(5, Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v))),
  ]);
}

function constant(c: ConstSpec): Uint8Array {
  const raw = c.type === 'float32' ? new Float32Array(c.values) : c.type === 'int32' ? new Int32Array(c.values) : BigInt64Array.from(c.values, (v) => BigInt(v));
  const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  return concatBytes([...c.dims.map((d) => varintField(1, d)), varintField(2, ELEM_CODE[c.type]), stringField(8, c.name), lengthDelimited(9, bytes)]);
}

/** Serialises the graph as an ONNX model (IR 8, default domain at opset 17). */
export function writeOnnxModel(g: GraphSpec): Uint8Array {
  const graph = concatBytes([
    messages(1, g.nodes.map(node)),
    stringField(2, g.name),
    messages(5, (g.constants ?? []).map(constant)),
    messages(11, g.inputs.map(valueInfo)),
    messages(12, g.outputs.map(valueInfo)),
  ]);
  const opset = concatBytes([stringField(1, ''), varintField(2, 17)]);
  return concatBytes([varintField(1, 8), stringField(2, 'sdxl-lightning-web'), lengthDelimited(7, graph), lengthDelimited(8, opset)]);
}
