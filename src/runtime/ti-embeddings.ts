// Grows a CLIP text encoder's token-embedding initializer by textual-inversion rows, re-encoding the ONNX protobuf.
import { toHalf } from '../pipeline/float16';
import { externalDataFiles, ONNX } from './onnx-external-data';
import { concatBytes, decodeString, lengthDelimited, scanFields, stringField, varintField, type ProtoField } from './protobuf';

/** An .onnx graph and the external-data files it names, as sessions are created from them (load-sdxl's readComponent). */
export interface ComponentSource {
  model: Uint8Array;
  externalData: { path: string; data: Uint8Array | Blob }[];
}

/**
 * The new external-data file of a grown external embedding: the old rows (`length` bytes at `offset` of `location`)
 * followed by `added`. Described rather than built, so a caller composes it from the stored file when a session is made.
 */
export interface EmbeddingOverlay {
  path: string;
  location: string;
  offset: number;
  length: number;
  added: Uint8Array<ArrayBuffer>;
}

export interface GrownEmbedding {
  model: Uint8Array;
  /** Present when the embedding is stored externally. */
  overlay?: EmbeddingOverlay;
  /** The embedding's rows before growing: the first new token's id. */
  rowsBefore: number;
  dim: number;
  type: 'float32' | 'float16';
  /** The initializer that was grown (after following Identity aliases). */
  initializer: string;
}

/** Where transformers' CLIP export reads token embeddings (optimum and torch.onnx name the node the same way). */
export const TOKEN_EMBEDDING_GATHER = '/text_model/embeddings/token_embedding/Gather';
const TENSOR = { DIMS: 1, DATA_TYPE: 2, FLOAT_DATA: 4 } as const;
const GRAPH_INPUT = 11;
const NODE = { INPUT: 1, OUTPUT: 2, NAME: 3, OP: 4 } as const;
const ELEMENT = { 1: { type: 'float32', bytes: 4 }, 10: { type: 'float16', bytes: 2 } } as const;
const EXTERNAL = 1;
const MAX_IDENTITY_HOPS = 16;

interface NodeInfo { inputs: string[]; outputs: string[]; name: string; op: string }

function readNode(buf: Uint8Array, f: ProtoField): NodeInfo {
  const n: NodeInfo = { inputs: [], outputs: [], name: '', op: '' };
  for (const x of scanFields(buf, f.valueStart, f.valueEnd)) {
    if (x.wire !== 2) continue;
    if (x.field === NODE.INPUT) n.inputs.push(decodeString(buf, x));
    else if (x.field === NODE.OUTPUT) n.outputs.push(decodeString(buf, x));
    else if (x.field === NODE.NAME) n.name = decodeString(buf, x);
    else if (x.field === NODE.OP) n.op = decodeString(buf, x);
  }
  return n;
}

/** The initializer the Gather reads, following Identity nodes back to the stored tensor. */
function embeddingName(buf: Uint8Array, nodes: ProtoField[]): string {
  const parsed = nodes.map((f) => readNode(buf, f));
  const gather = parsed.find((n) => n.name === TOKEN_EMBEDDING_GATHER && n.op === 'Gather');
  if (!gather || !gather.inputs[0]) throw new Error(`The text encoder has no node ${TOKEN_EMBEDDING_GATHER}: not a CLIP text-encoder export textual inversions can extend.`);
  const identities = new Map(parsed.filter((n) => n.op === 'Identity' && n.inputs[0]).flatMap((n) => n.outputs.map((o) => [o, n.inputs[0]!] as const)));
  let name = gather.inputs[0];
  for (let hops = 0; identities.has(name); hops++) {
    if (hops === MAX_IDENTITY_HOPS) throw new Error(`The token embedding's Identity chain is longer than ${MAX_IDENTITY_HOPS} nodes.`);
    name = identities.get(name)!;
  }
  return name;
}

function externalEntries(buf: Uint8Array, fields: ProtoField[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fields.filter((x) => x.field === ONNX.TENSOR_EXTERNAL_DATA && x.wire === 2)) {
    let key = '';
    let value = '';
    for (const e of scanFields(buf, f.valueStart, f.valueEnd)) {
      if (e.field === ONNX.ENTRY_KEY) key = decodeString(buf, e);
      if (e.field === ONNX.ENTRY_VALUE) value = decodeString(buf, e);
    }
    out.set(key, value);
  }
  return out;
}

function tensorDims(buf: Uint8Array, fields: ProtoField[]): number[] {
  const dims: number[] = [];
  for (const f of fields.filter((x) => x.field === TENSOR.DIMS)) {
    if (f.wire === 0) dims.push(f.varint);
    else if (f.wire === 2) dims.push(...packedVarints(buf, f));
  }
  return dims;
}

function packedVarints(buf: Uint8Array, f: ProtoField): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (let p = f.valueStart; p < f.valueEnd; p++) {
    value += (buf[p]! & 0x7f) * 2 ** shift;
    shift += 7;
    if ((buf[p]! & 0x80) === 0) {
      out.push(value);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

function rowBytes(rows: Float32Array, type: 'float32' | 'float16'): Uint8Array<ArrayBuffer> {
  const typed = type === 'float32' ? Float32Array.from(rows) : Uint16Array.from(rows, toHalf);
  return new Uint8Array(typed.buffer);
}

/** A file name for the grown tensor that no external-data file of the model already has. */
function overlayName(model: Uint8Array): string {
  const taken = new Set(externalDataFiles(model));
  let name = 'token_embedding.ti_data';
  for (let i = 1; taken.has(name); i++) name = `token_embedding.ti_data_${i}`;
  return name;
}

const entry = (key: string, value: string) =>
  lengthDelimited(ONNX.TENSOR_EXTERNAL_DATA, concatBytes([stringField(ONNX.ENTRY_KEY, key), stringField(ONNX.ENTRY_VALUE, value)]));

/**
 * Appends `rows` ([n, dim] float32, converted to the initializer's type) to the token embedding. Inline tensors get
 * the rows in their raw_data; an external tensor is re-pointed to a new external-data file holding its old rows (a
 * slice of the stored file: a Blob slice reads nothing yet) followed by the new ones. The old rows stay, unused, in
 * their shard, which keeps every other tensor's offset and never rewrites a shard.
 */
export function growTokenEmbedding(model: Uint8Array, rows: Float32Array, dim: number): GrownEmbedding {
  if (dim < 1 || rows.length % dim !== 0) throw new Error(`textual inversion rows (${rows.length} values) are not whole vectors of ${dim}`);
  const buf = model;
  const top = scanFields(buf);
  const graph = top.find((f) => f.field === ONNX.MODEL_GRAPH && f.wire === 2);
  if (!graph) throw new Error('The text encoder model has no graph.');
  const graphFields = scanFields(buf, graph.valueStart, graph.valueEnd);
  const name = embeddingName(buf, graphFields.filter((f) => f.field === ONNX.GRAPH_NODE && f.wire === 2));
  for (const f of graphFields.filter((x) => x.field === GRAPH_INPUT && x.wire === 2)) {
    const n = scanFields(buf, f.valueStart, f.valueEnd).find((x) => x.field === 1 && x.wire === 2);
    if (n && decodeString(buf, n) === name) throw new Error(`The text encoder declares ${name} as a graph input (an old IR): its embedding cannot be grown.`);
  }
  const init = graphFields.find((f) => {
    if (f.field !== ONNX.GRAPH_INITIALIZER || f.wire !== 2) return false;
    const n = scanFields(buf, f.valueStart, f.valueEnd).find((x) => x.field === ONNX.TENSOR_NAME && x.wire === 2);
    return n !== undefined && decodeString(buf, n) === name;
  });
  if (!init) throw new Error(`The token embedding ${name} is not an initializer of the text encoder.`);

  const fields = scanFields(buf, init.valueStart, init.valueEnd);
  const dataType = fields.find((x) => x.field === TENSOR.DATA_TYPE && x.wire === 0)?.varint ?? 0;
  const element = ELEMENT[dataType as keyof typeof ELEMENT];
  if (!element) throw new Error(`The token embedding ${name} has ONNX element type ${dataType}; only float32 and float16 are grown.`);
  const dims = tensorDims(buf, fields);
  if (dims.length !== 2 || dims[1] !== dim) throw new Error(`The token embedding ${name} is [${dims.join(', ')}]; textual-inversion vectors of ${dim} values need [vocabulary, ${dim}].`);
  const oldBytes = dims[0]! * dim * element.bytes;
  const added = rowBytes(rows, element.type);

  const raw = fields.find((x) => x.field === ONNX.TENSOR_RAW_DATA && x.wire === 2);
  const packedFloats = element.type === 'float32' ? fields.find((x) => x.field === TENSOR.FLOAT_DATA && x.wire === 2) : undefined;
  const isExternal = fields.some((x) => x.field === ONNX.TENSOR_DATA_LOCATION && x.varint === EXTERNAL);
  const keep = fields.filter((x) => ![TENSOR.DIMS, TENSOR.FLOAT_DATA, ONNX.TENSOR_RAW_DATA, ONNX.TENSOR_EXTERNAL_DATA, ONNX.TENSOR_DATA_LOCATION].includes(x.field as 1));
  const newDims = [varintField(TENSOR.DIMS, dims[0]! + rows.length / dim), varintField(TENSOR.DIMS, dim)];
  let data: Uint8Array;
  let overlay: EmbeddingOverlay | undefined;
  if (isExternal) {
    const ext = externalEntries(buf, fields);
    const offset = Number(ext.get('offset') ?? '0');
    const length = Number(ext.get('length') ?? String(oldBytes));
    if (!Number.isSafeInteger(offset) || offset < 0 || length !== oldBytes) {
      throw new Error(`The token embedding ${name} is stored at offset ${ext.get('offset')} length ${ext.get('length')}; [${dims.join(', ')}] needs ${oldBytes} bytes.`);
    }
    overlay = { path: overlayName(buf), location: ext.get('location') ?? '', offset, length, added };
    data = concatBytes([entry('location', overlay.path), entry('offset', '0'), entry('length', String(oldBytes + added.length)), varintField(ONNX.TENSOR_DATA_LOCATION, EXTERNAL)]);
  } else {
    const stored = raw ?? packedFloats;
    if (!stored || stored.valueEnd - stored.valueStart !== oldBytes) throw new Error(`The token embedding ${name} holds its values in a form this app does not grow (expected ${oldBytes} bytes of raw data).`);
    data = lengthDelimited(ONNX.TENSOR_RAW_DATA, concatBytes([buf.subarray(stored.valueStart, stored.valueEnd), added]));
  }
  const tensor = lengthDelimited(ONNX.GRAPH_INITIALIZER, concatBytes([...newDims, ...keep.map((x) => buf.subarray(x.start, x.end)), data]));
  const graphBytes = concatBytes(graphFields.map((f) => (f === init ? tensor : buf.subarray(f.start, f.end))));
  const grown = concatBytes(top.map((f) => (f === graph ? lengthDelimited(ONNX.MODEL_GRAPH, graphBytes) : buf.subarray(f.start, f.end))));
  return { model: grown, overlay, rowsBefore: dims[0]!, dim, type: element.type, initializer: name };
}

/** The overlay file's contents from the stored file it extends (a Blob stays lazy: slices read nothing yet). */
export function overlayData(o: EmbeddingOverlay, stored: Uint8Array | Blob): Uint8Array | Blob {
  const size = stored instanceof Blob ? stored.size : stored.length;
  if (o.offset + o.length > size) throw new Error(`The token embedding runs past the end of "${o.location}" (${o.offset} + ${o.length} > ${size} bytes).`);
  return stored instanceof Blob ? new Blob([stored.slice(o.offset, o.offset + o.length), o.added]) : concatBytes([stored.subarray(o.offset, o.offset + o.length), o.added]);
}

/** growTokenEmbedding on a loaded component: the model re-encoded and, for an external embedding, its overlay file added. */
export function growComponent(src: ComponentSource, rows: Float32Array, dim: number): { source: ComponentSource; grown: GrownEmbedding } {
  const grown = growTokenEmbedding(src.model, rows, dim);
  const o = grown.overlay;
  if (!o) return { source: { model: grown.model, externalData: src.externalData }, grown };
  const file = src.externalData.find((e) => e.path === o.location);
  if (!file) throw new Error(`The token embedding ${grown.initializer} is stored in "${o.location.slice(0, 120)}", which was not loaded with the model.`);
  return { source: { model: grown.model, externalData: [...src.externalData, { path: o.path, data: overlayData(o, file.data) }] }, grown };
}
