// An initializer's little-endian bytes ↔ float32 values, for the float32 and float16 weights LoRA fusion patches.
import { DATA_TYPE } from './onnx-initializers';
import { fromHalf, toHalf } from '../pipeline/float16';

let halfTable: Float32Array | undefined;
/** All 65 536 halves as float32 (256 kB, built once): decoding a 50 M-value fp16 weight is then one lookup per value. */
function table(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = fromHalf(h);
  }
  return halfTable;
}

/** The bytes (any alignment) as float32 values, in a fresh array. */
export function decodeWeights(bytes: Uint8Array, dataType: number): Float32Array {
  const copy = bytes.slice(); // aligned, and ours
  if (dataType === DATA_TYPE.FLOAT) return new Float32Array(copy.buffer, 0, copy.length / 4);
  if (dataType !== DATA_TYPE.FLOAT16) throw new Error(`data type ${dataType} is not float32 or float16`);
  const halves = new Uint16Array(copy.buffer, 0, copy.length / 2);
  const t = table();
  const out = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) out[i] = t[halves[i]!]!;
  return out;
}

/** The values as the initializer stores them (float16: round to nearest even, as numpy's astype does). */
export function encodeWeights(values: Float32Array, dataType: number): Uint8Array {
  if (dataType === DATA_TYPE.FLOAT) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (dataType !== DATA_TYPE.FLOAT16) throw new Error(`data type ${dataType} is not float32 or float16`);
  const halves = new Uint16Array(values.length);
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < bits.length; i++) {
    const x = bits[i]!;
    const exp = (x >>> 23) & 0xff;
    // Normal halves (2^-14 ≤ |v| < 65520 before rounding) inline, the rest (subnormal, overflow, NaN) through toHalf.
    if (exp < 113 || exp > 141) {
      halves[i] = toHalf(values[i]!);
      continue;
    }
    let half = ((x >>> 16) & 0x8000) | ((exp - 112) << 10) | ((x & 0x7fffff) >>> 13);
    const rem = x & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
    halves[i] = half;
  }
  return new Uint8Array(halves.buffer);
}
