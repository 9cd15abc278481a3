// fmaf (float32 fused multiply-add, single rounding) against an exact BigInt reference: random float32s and near-tie cases
// where rounding a·b + c to double first and then to float32 would round twice wrongly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmaf } from '../../src/pipeline/float32-math';
import { fuzzParams } from './fuzz-config';

const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

/** A finite float32 as mantissa · 2^exponent (exact). */
function decompose(x: number): { m: bigint; e: number } {
  asFloat[0] = x;
  const b = bits[0]!;
  const field = (b >>> 23) & 0xff;
  const frac = b & 0x7fffff;
  const m = BigInt(field === 0 ? frac : frac | 0x800000);
  return { m: b >>> 31 ? -m : m, e: (field === 0 ? 1 : field) - 150 };
}

/** m · 2^e rounded once to float32 (ties to even, subnormals, overflow to ±Infinity). */
function roundToFloat32(m: bigint, e: number): number {
  const neg = m < 0n;
  const mag = neg ? -m : m;
  const top = mag.toString(2).length - 1 + e; // value in [2^top, 2^(top+1))
  const q = Math.max(top, -126) - 23; // the float32 quantum at that size
  let n: bigint;
  if (e >= q) n = mag << BigInt(e - q);
  else {
    const shift = BigInt(q - e);
    n = mag >> shift;
    const rem = mag & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    if (rem > half || (rem === half && (n & 1n) === 1n)) n += 1n;
  }
  const v = Number(n) * 2 ** q;
  const r = v >= 2 ** 128 ? Infinity : v;
  return neg ? -r : r;
}

/** The exactly rounded float32 of a·b + c, with IEEE's zero signs. */
function fmaReference(a: number, b: number, c: number): number {
  const x = decompose(a);
  const y = decompose(b);
  const z = decompose(c);
  const pm = x.m * y.m;
  const pe = x.e + y.e;
  const e = Math.min(pe, z.e);
  const sum = (pm << BigInt(pe - e)) + (z.m << BigInt(z.e - e));
  if (sum === 0n) {
    const productNegative = (Object.is(a, -0) || a < 0) !== (Object.is(b, -0) || b < 0);
    const exactZeros = pm === 0n && z.m === 0n;
    return exactZeros && productNegative && Object.is(c, -0) ? -0 : 0;
  }
  return roundToFloat32(sum, e);
}

const same = (got: number, want: number, what: string) => expect(Object.is(got, want), `${what}: ${got} ≠ ${want}`).toBe(true);
const finite32 = fc.float({ noNaN: true, noDefaultInfinity: true });

describe('fmaf', () => {
  it('checks its reference on hand-made values', () => {
    // 1 + 2^-11 + 2^-24 is a tie between float32s; a tiny c must decide it, which a double sum would have lost.
    const a = 1 + 2 ** -12;
    expect(fmaReference(a, a, 2 ** -60)).toBe(1 + 2 ** -11 + 2 ** -23);
    expect(fmaReference(a, a, -(2 ** -60))).toBe(1 + 2 ** -11);
    expect(Math.fround(a * a + 2 ** -60)).toBe(1 + 2 ** -11); // the double-rounding error the reference must not have
    expect(fmaReference(2 ** -75, 2 ** -75, 0)).toBe(0); // 2^-150: half the smallest subnormal, a tie, to even (0)
    expect(fmaReference(3 * 2 ** -77, 2 ** -74, 0)).toBe(2 ** -149); // 0.75 · 2^-149 rounds up
    expect(fmaReference(3 * 2 ** -76, 2 ** -74, 0)).toBe(2 ** -148); // 1.5 · 2^-149: a tie, to even (2 · 2^-149)
    expect(fmaReference(2 ** 64, 2 ** 64, 0)).toBe(Infinity);
  });

  it('equals the exact reference on random float32s', () => {
    fc.assert(fc.property(finite32, finite32, finite32, (a, b, c) => { same(fmaf(a, b, c), fmaReference(a, b, c), `fma(${a}, ${b}, ${c})`); }), fuzzParams(20_000));
  });

  it('equals the exact reference on near-ties (13-bit mantissas, tiny or cancelling c)', () => {
    const mant13 = fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: -30, max: 30 }), fc.boolean())
      .map(([i, k, neg]) => (neg ? -1 : 1) * (4096 + i) * 2 ** (k - 12));
    const tiny = fc.tuple(fc.integer({ min: 1, max: 2 ** 23 }), fc.integer({ min: -160, max: -20 }), fc.boolean())
      .map(([m, k, neg]) => Math.fround((neg ? -1 : 1) * m * 2 ** k));
    let doubleRoundingWouldFail = 0;
    fc.assert(fc.property(mant13, mant13, tiny, fc.boolean(), (a, b, t, cancel) => {
      // cancel: c ≈ −a·b, so the result is the low bits of the product plus t.
      const c = cancel ? Math.fround(-Math.fround(a * b) + t) : Math.fround(t * Math.abs(a * b));
      const want = fmaReference(a, b, c);
      if (!Object.is(Math.fround(a * b + c), want)) doubleRoundingWouldFail++;
      same(fmaf(a, b, c), want, `fma(${a}, ${b}, ${c})`);
    }), fuzzParams(20_000));
    // The generator must reach the cases a plain double sum gets wrong, or this test proves nothing.
    expect(doubleRoundingWouldFail).toBeGreaterThan(20);
  });

  it('keeps IEEE zero signs', () => {
    same(fmaf(-0, 1, -0), -0, '-0·1 + -0');
    same(fmaf(0, -1, -0), -0, '0·-1 + -0');
    same(fmaf(0, 1, -0), 0, '0·1 + -0');
    same(fmaf(1, 1, -1), 0, '1·1 − 1');
  });
});
