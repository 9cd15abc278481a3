// Shrinks the constant bias of exported `baddbmm` attention to one element: the same scores by broadcasting, without a
// [batch·heads, L, S] tensor built on every call, or folded into the session at load when its shapes are static.
import { ONNX } from './onnx-external-data';
import { concatBytes, decodeString, lengthDelimited, scanFields, varintField, type ProtoField } from './protobuf';

// diffusers' attention (before SDPA) exports `baddbmm(empty(B·H, L, S), q, kᵀ, beta=0, alpha=scale)` as
//   Add(Mul(MatMul(q, kᵀ), alpha), Mul(ConstantOfShape([B·H, L, S]), beta))
// The ConstantOfShape holds one value everywhere, so feeding it the shape [1] gives the same Add by broadcasting. With
// freeDimensionOverrides, onnxruntime's constant folding otherwise materialises it: at 1024² each of SDXL's
// self-attentions at 4096 tokens folds 10·4096·4096 floats (671 MB), so the session overflows the 4 GiB wasm heap
// (std::bad_alloc); with free shapes it is allocated and multiplied on every UNet call instead.

const NODE = { INPUT: 1, OUTPUT: 2, OP_TYPE: 4, DOMAIN: 7 } as const;
const GRAPH_OUTPUT = 12;
const VALUE_INFO_NAME = 1;
const TENSOR = { DIMS: 1, DATA_TYPE: 2, NAME: 8, RAW_DATA: 9 } as const;
const INT64 = 7;
/** The initializer the rewritten ConstantOfShape nodes read: the int64 shape [1]. */
export const ONE_ELEMENT_SHAPE = 'sdxl_web::one_element_shape';

interface Node {
  field: ProtoField;
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
}

function readNode(buf: Uint8Array, f: ProtoField): Node {
  const node: Node = { field: f, op: '', domain: '', inputs: [], outputs: [] };
  for (const x of scanFields(buf, f.valueStart, f.valueEnd)) {
    if (x.wire !== 2) continue;
    if (x.field === NODE.INPUT) node.inputs.push(decodeString(buf, x));
    else if (x.field === NODE.OUTPUT) node.outputs.push(decodeString(buf, x));
    else if (x.field === NODE.OP_TYPE) node.op = decodeString(buf, x);
    else if (x.field === NODE.DOMAIN) node.domain = decodeString(buf, x);
  }
  return node;
}

/** The node's bytes with its first input renamed (every other field kept as it was). */
function withFirstInput(buf: Uint8Array, node: Node, input: string): Uint8Array {
  let done = false;
  const payload = concatBytes(scanFields(buf, node.field.valueStart, node.field.valueEnd).map((x) => {
    if (done || x.field !== NODE.INPUT || x.wire !== 2) return buf.subarray(x.start, x.end);
    done = true;
    return lengthDelimited(NODE.INPUT, new TextEncoder().encode(input));
  }));
  return lengthDelimited(ONNX.GRAPH_NODE, payload);
}

/** The ConstantOfShape nodes of the baddbmm pattern in a graph's nodes (matched by structure, never by name). */
function baddbmmBiases(nodes: readonly Node[], graphOutputs: ReadonlySet<string>): Node[] {
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const n of nodes) {
    for (const o of n.outputs) producer.set(o, n);
    for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const onlyConsumer = (name: string): Node | undefined => {
    const c = consumers.get(name);
    return c?.length === 1 && !graphOutputs.has(name) ? c[0] : undefined;
  };
  const std = (n: Node | undefined, op: string) => n !== undefined && n.op === op && (n.domain === '' || n.domain === 'ai.onnx');
  return nodes.filter((c) => {
    if (!std(c, 'ConstantOfShape') || c.inputs.length !== 1 || c.inputs[0] === ONE_ELEMENT_SHAPE || c.outputs.length !== 1) return false;
    const mul = onlyConsumer(c.outputs[0]!);
    if (!std(mul, 'Mul') || mul!.inputs.length !== 2 || mul!.outputs.length !== 1) return false;
    const add = onlyConsumer(mul!.outputs[0]!);
    if (!std(add, 'Add') || add!.inputs.length !== 2) return false;
    // The Add's other operand is the scores, Mul(MatMul(q, kᵀ), alpha): it has the full shape the bias had.
    const scores = producer.get(add!.inputs.find((i) => i !== mul!.outputs[0]) ?? '');
    return std(scores, 'Mul') && scores!.inputs.some((i) => std(producer.get(i), 'MatMul'));
  });
}

/**
 * The model with every baddbmm bias reading the shape [1] instead ({ model, rewritten }); the same bytes back when the
 * graph has none. Only the top-level graph is looked at (the exported attention never sits in a subgraph).
 */
export function shrinkAttentionBiases(model: Uint8Array): { model: Uint8Array; rewritten: number } {
  const top = scanFields(model);
  const graphField = top.find((f) => f.field === ONNX.MODEL_GRAPH && f.wire === 2);
  if (!graphField) return { model, rewritten: 0 };
  const fields = scanFields(model, graphField.valueStart, graphField.valueEnd);
  const nodes = fields.filter((f) => f.field === ONNX.GRAPH_NODE && f.wire === 2).map((f) => readNode(model, f));
  const outputs = new Set(fields.filter((f) => f.field === GRAPH_OUTPUT && f.wire === 2).flatMap((f) => {
    const name = scanFields(model, f.valueStart, f.valueEnd).find((x) => x.field === VALUE_INFO_NAME && x.wire === 2);
    return name ? [decodeString(model, name)] : [];
  }));
  const targets = new Set(baddbmmBiases(nodes, outputs).map((n) => n.field.start));
  if (!targets.size) return { model, rewritten: 0 };
  const byStart = new Map(nodes.map((n) => [n.field.start, n]));
  const shape = concatBytes([
    varintField(TENSOR.DIMS, 1), varintField(TENSOR.DATA_TYPE, INT64),
    lengthDelimited(TENSOR.NAME, new TextEncoder().encode(ONE_ELEMENT_SHAPE)),
    lengthDelimited(TENSOR.RAW_DATA, Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0)),
  ]);
  const graph = concatBytes([
    ...fields.map((f) => (targets.has(f.start) ? withFirstInput(model, byStart.get(f.start)!, ONE_ELEMENT_SHAPE) : model.subarray(f.start, f.end))),
    lengthDelimited(ONNX.GRAPH_INITIALIZER, shape),
  ]);
  const rebuilt = concatBytes(top.map((f) => (f === graphField ? lengthDelimited(ONNX.MODEL_GRAPH, graph) : model.subarray(f.start, f.end))));
  return { model: rebuilt, rewritten: targets.size };
}
