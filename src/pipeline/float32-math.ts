// Float32 arithmetic helpers: correctly rounded single-precision fma, used to reproduce torch's AVX2 kernels bit for bit.
const f32 = Math.fround;

const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer); // little-endian: words[0] is the low half

/** Round a double to float32 through round-to-odd so the second rounding (to float) is correct. */
function roundViaOdd(sum: number, err: number): number {
  if (err === 0 || !Number.isFinite(sum)) return f32(sum);
  // Round-to-odd: if the double result is inexact and its last mantissa bit is even, nudge it towards the error.
  scratch[0] = sum;
  if ((words[0]! & 1) === 0) {
    if ((err > 0) === (sum > 0)) {
      words[0] = words[0]! + 1; // even low word: no carry possible
    } else if (words[0] === 0) {
      words[0] = 0xffffffff;
      words[1] = words[1]! - 1;
    } else {
      words[0] = words[0]! - 1;
    }
  }
  return f32(scratch[0]!);
}

/** fmaf(a, b, c) with a single rounding to float32; a, b, c must already be float32 values. */
export function fmaf(a: number, b: number, c: number): number {
  const p = a * b; // exact: two 24-bit mantissas fit in 53 bits
  const s = p + c;
  // TwoSum error of p + c (exact in double).
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  return roundViaOdd(s, err);
}

export { f32 };
