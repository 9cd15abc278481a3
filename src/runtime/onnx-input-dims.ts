// Reads the declared dims of an ONNX graph's inputs (numbers, or the names of free dims) from its protobuf fields.
import { ONNX } from './onnx-external-data';
import { decodeString, scanFields } from './protobuf';

/** Field numbers on the path from a graph's inputs down to each dim (ValueInfoProto → … → Dimension). */
export const INPUT_FIELDS = {
  GRAPH_INPUT: 11, VALUE_INFO_NAME: 1, VALUE_INFO_TYPE: 2, TYPE_TENSOR: 1, TENSOR_TYPE_SHAPE: 2, SHAPE_DIM: 1, DIM_VALUE: 1, DIM_PARAM: 2,
} as const;
const { GRAPH_INPUT, VALUE_INFO_NAME, VALUE_INFO_TYPE, TYPE_TENSOR, TENSOR_TYPE_SHAPE, SHAPE_DIM, DIM_VALUE, DIM_PARAM } = INPUT_FIELDS;

export interface DeclaredInput {
  name: string;
  /** A number for a fixed dim, the dim's name for a free one, null for a dim the graph leaves unnamed. */
  dims: (number | string | null)[];
}

function field(buf: Uint8Array, from: number, to: number, n: number) {
  return scanFields(buf, from, to).find((f) => f.field === n && f.wire === 2);
}

function inputDims(buf: Uint8Array, from: number, to: number): DeclaredInput {
  let name = '';
  const dims: DeclaredInput['dims'] = [];
  for (const f of scanFields(buf, from, to)) {
    if (f.field === VALUE_INFO_NAME && f.wire === 2) name = decodeString(buf, f);
    if (f.field !== VALUE_INFO_TYPE || f.wire !== 2) continue;
    const tensor = field(buf, f.valueStart, f.valueEnd, TYPE_TENSOR);
    const shape = tensor && field(buf, tensor.valueStart, tensor.valueEnd, TENSOR_TYPE_SHAPE);
    if (!shape) continue;
    for (const d of scanFields(buf, shape.valueStart, shape.valueEnd)) {
      if (d.field !== SHAPE_DIM || d.wire !== 2) continue;
      let dim: number | string | null = null;
      for (const v of scanFields(buf, d.valueStart, d.valueEnd)) {
        if (v.field === DIM_VALUE && v.wire === 0) dim = v.varint;
        if (v.field === DIM_PARAM && v.wire === 2) dim = decodeString(buf, v);
      }
      dims.push(dim === '' ? null : dim);
    }
  }
  return { name, dims };
}

/** The graph's inputs (initializers listed as inputs by old exports included) with their declared dims, in order. */
export function declaredInputs(model: Uint8Array): DeclaredInput[] {
  const graph = scanFields(model).find((f) => f.field === ONNX.MODEL_GRAPH && f.wire === 2);
  if (!graph) throw new Error('The file has no ONNX graph.');
  return scanFields(model, graph.valueStart, graph.valueEnd)
    .filter((f) => f.field === GRAPH_INPUT && f.wire === 2)
    .map((f) => inputDims(model, f.valueStart, f.valueEnd));
}

/** The names of the free dims, in first-use order. */
export function freeDimNames(inputs: readonly DeclaredInput[]): string[] {
  const names = new Set<string>();
  for (const i of inputs) for (const d of i.dims) if (typeof d === 'string') names.add(d);
  return [...names];
}
