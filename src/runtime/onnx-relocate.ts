// Points a fused model's patched external initializers at the overlay file, for sessions opened from a path
// (onnxruntime-node has no externalData option): the model reads untouched weights from the stored shards.
import type { FusedModel } from './lora-fuse';
import { ONNX } from './onnx-external-data';
import { concatBytes, decodeString, lengthDelimited, scanFields, stringField, varintField } from './protobuf';

const EXTERNAL = 1;

function entry(key: string, value: string): Uint8Array {
  return lengthDelimited(ONNX.TENSOR_EXTERNAL_DATA, concatBytes([stringField(ONNX.ENTRY_KEY, key), stringField(ONNX.ENTRY_VALUE, value)]));
}

/**
 * model.onnx (the fused one: inline patches included) with each patched external initializer's location/offset/length
 * replaced by `overlayLocation` and its overlay offset. Save it beside the shards and the overlay file (a plain name).
 */
export function relocateToOverlay(fused: Pick<FusedModel, 'model' | 'patched'>, overlayLocation: string): Uint8Array {
  if (!/^[^/\\:\u0000-\u001f]{1,255}$/.test(overlayLocation) || overlayLocation === '.' || overlayLocation === '..') {
    throw new Error(`The overlay location ${JSON.stringify(overlayLocation)} must be a plain file name.`);
  }
  const model = fused.model;
  const moves = new Map(fused.patched.filter((p) => p.overlayOffset !== undefined).map((p) => [p.initializer, p]));
  const rewriteTensor = (from: number, to: number): Uint8Array | undefined => {
    const fields = scanFields(model, from, to);
    const name = fields.find((f) => f.field === ONNX.TENSOR_NAME && f.wire === 2);
    const move = name && moves.get(decodeString(model, name));
    if (!move) return undefined;
    moves.delete(move.initializer);
    const kept = fields.filter((f) => f.field !== ONNX.TENSOR_EXTERNAL_DATA && f.field !== ONNX.TENSOR_DATA_LOCATION).map((f) => model.subarray(f.start, f.end));
    return concatBytes([...kept, entry('location', overlayLocation), entry('offset', String(move.overlayOffset)), entry('length', String(move.bytes)), varintField(ONNX.TENSOR_DATA_LOCATION, EXTERNAL)]);
  };
  const out = concatBytes(scanFields(model).map((f) => {
    if (f.field !== ONNX.MODEL_GRAPH || f.wire !== 2) return model.subarray(f.start, f.end);
    const graph = scanFields(model, f.valueStart, f.valueEnd).map((g) => {
      const t = g.field === ONNX.GRAPH_INITIALIZER && g.wire === 2 ? rewriteTensor(g.valueStart, g.valueEnd) : undefined;
      return t ? lengthDelimited(ONNX.GRAPH_INITIALIZER, t) : model.subarray(g.start, g.end);
    });
    return lengthDelimited(ONNX.MODEL_GRAPH, concatBytes(graph));
  }));
  if (moves.size > 0) throw new Error(`The model has no initializer ${[...moves.keys()][0]} to point at the overlay.`);
  return out;
}
