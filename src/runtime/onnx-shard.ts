// Moves an ONNX model's initializer weights into external-data shards of at most N bytes (for the ≤ 2 GB web limit).
import { ONNX } from './onnx-external-data';
import { concatBytes, lengthDelimited, scanFields, stringField, varintField, type ProtoField } from './protobuf';

export interface ShardedModel {
  model: Uint8Array;
  /** Shard file name → bytes, in order (model.onnx_data, model.onnx_data_1, …). */
  shards: Map<string, Uint8Array>;
}

export interface ShardOptions {
  maxShardBytes: number;
  /** Tensors smaller than this stay inside the .onnx (as onnx's own converter does). */
  minTensorBytes?: number;
  baseName?: string;
}

const EXTERNAL = 1;

function entry(key: string, value: string): Uint8Array {
  return lengthDelimited(ONNX.TENSOR_EXTERNAL_DATA, concatBytes([stringField(ONNX.ENTRY_KEY, key), stringField(ONNX.ENTRY_VALUE, value)]));
}

export function shardOnnxModel(model: Uint8Array, opts: ShardOptions): ShardedModel {
  const minBytes = opts.minTensorBytes ?? 1024;
  const base = opts.baseName ?? 'model.onnx_data';
  const shardParts: Uint8Array[][] = [];
  const shardSizes: number[] = [];
  const place = (bytes: number): [index: number, offset: number] => {
    const last = shardSizes.length - 1;
    if (last < 0 || (shardSizes[last]! > 0 && shardSizes[last]! + bytes > opts.maxShardBytes)) {
      shardParts.push([]);
      shardSizes.push(0);
    }
    const i = shardSizes.length - 1;
    const offset = shardSizes[i]!;
    shardSizes[i] = offset + bytes;
    return [i, offset];
  };
  const shardName = (i: number) => (i === 0 ? base : `${base}_${i}`);

  const rewriteTensor = (f: ProtoField): Uint8Array => {
    const fields = scanFields(model, f.valueStart, f.valueEnd);
    const raw = fields.find((x) => x.field === ONNX.TENSOR_RAW_DATA && x.wire === 2);
    if (!raw || raw.valueEnd - raw.valueStart < minBytes) return model.subarray(f.start, f.end);
    const data = model.subarray(raw.valueStart, raw.valueEnd);
    const [index, offset] = place(data.length);
    shardParts[index]!.push(data);
    const kept = fields.filter((x) => x !== raw && x.field !== ONNX.TENSOR_DATA_LOCATION).map((x) => model.subarray(x.start, x.end));
    const tensor = concatBytes([
      ...kept,
      entry('location', shardName(index)), entry('offset', String(offset)), entry('length', String(data.length)),
      varintField(ONNX.TENSOR_DATA_LOCATION, EXTERNAL),
    ]);
    return lengthDelimited(ONNX.GRAPH_INITIALIZER, tensor);
  };

  const parts = scanFields(model).map((f) => {
    if (f.field !== ONNX.MODEL_GRAPH || f.wire !== 2) return model.subarray(f.start, f.end);
    const graph = scanFields(model, f.valueStart, f.valueEnd).map((g) =>
      g.field === ONNX.GRAPH_INITIALIZER && g.wire === 2 ? rewriteTensor(g) : model.subarray(g.start, g.end),
    );
    return lengthDelimited(ONNX.MODEL_GRAPH, concatBytes(graph));
  });
  const shards = new Map<string, Uint8Array>();
  shardParts.forEach((p, i) => shards.set(shardName(i), concatBytes(p)));
  return { model: concatBytes(parts), shards };
}
