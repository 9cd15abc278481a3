// Raw little-endian safetensors data (F32, F16, BF16) to a fresh Float32Array; other dtypes are refused by name.
import type { SafetensorsDtype } from '../../schema/safetensors-header';
import { fromHalf } from '../float16';

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The values of `bytes` (exactly `count` items of `dtype`) as float32; throws for dtypes that are not floats a LoRA uses. */
export function decodeFloat32(dtype: SafetensorsDtype, bytes: Uint8Array, count: number, what: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      if (littleEndian) return new Float32Array(bytes.slice(0, count * 4).buffer);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = fromHalf(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      if (!littleEndian) for (let i = 0; i < count; i++) out[i] = new DataView(bits.buffer).getFloat32(i * 4, true);
      return out;
    }
    default:
      throw new Error(`${what} has dtype ${dtype}; only F32, F16 and BF16 tensors can be read as float32.`);
  }
}
