// Raw little-endian safetensors data (F32, F16, BF16) to a fresh Float32Array; other dtypes are refused by name.
import type { SafetensorsDtype } from '../../schema/safetensors-header';

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE binary16 bits to the (exactly representable) float32 value. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

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
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
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
