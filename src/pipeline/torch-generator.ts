// A port of PyTorch's CPU generator (MT19937 + torch.randn's float32 normal kernels), so a seed gives diffusers' exact noise.
import { f32, fmaf } from './float32-math';

const MT_N = 624;
const MT_M = 397;
const TWO_POW_M24 = 2 ** -24;
const TWO_POW_M53 = 2 ** -53;

/** The generator behind `torch.Generator("cpu").manual_seed(seed)`. */
export class TorchGenerator {
  private readonly state = new Uint32Array(MT_N);
  private index = MT_N;
  private cachedNormal: number | null = null;

  constructor(seed: number | bigint) {
    // torch keeps only the low 32 bits of the seed.
    const s = Number(BigInt.asUintN(32, BigInt(seed)));
    this.state[0] = s;
    for (let j = 1; j < MT_N; j++) {
      const prev = this.state[j - 1]!;
      this.state[j] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + j) >>> 0;
    }
  }

  /** One tempered 32-bit MT19937 word. */
  nextUint32(): number {
    if (this.index >= MT_N) this.twist();
    let y = this.state[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  private twist(): void {
    const st = this.state;
    for (let k = 0; k < MT_N; k++) {
      const y = (st[k]! & 0x80000000) | (st[(k + 1) % MT_N]! & 0x7fffffff);
      st[k] = st[(k + MT_M) % MT_N]! ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.index = 0;
  }

  private uniformFloat(): number {
    return (this.nextUint32() & 0xffffff) * TWO_POW_M24;
  }

  private uniformDouble(): number {
    const hi = this.nextUint32(); // random64(): the first word is the high half
    const lo = this.nextUint32();
    return ((hi & 0x1fffff) * 2 ** 32 + lo) * TWO_POW_M53;
  }

  /** at::normal_distribution<double>: Box–Muller in double, caching the second value in the generator. */
  private scalarNormal(): number {
    if (this.cachedNormal !== null) {
      const v = this.cachedNormal;
      this.cachedNormal = null;
      return v;
    }
    const u1 = this.uniformDouble();
    const u2 = this.uniformDouble();
    const r = Math.sqrt(-2 * Math.log(1 - u2));
    const theta = 2 * Math.PI * u1;
    this.cachedNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** torch.randn(numel, dtype=float32, generator=this) in C order. */
  randn(numel: number): Float32Array {
    const out = new Float32Array(numel);
    if (numel < 16) {
      for (let i = 0; i < numel; i++) out[i] = this.scalarNormal();
      return out;
    }
    for (let i = 0; i < numel; i++) out[i] = this.uniformFloat();
    for (let i = 0; i + 16 <= numel; i += 16) boxMuller16(out, i);
    if (numel % 16 !== 0) {
      const start = numel - 16;
      for (let i = start; i < numel; i++) out[i] = this.uniformFloat();
      boxMuller16(out, start);
    }
    return out;
  }
}

const TWO_PI_F = f32(2 * Math.PI);

/** torch's normal_fill_16_AVX2 on one block: the first 8 uniforms give radii, the next 8 angles. */
function boxMuller16(d: Float32Array, i: number): void {
  for (let j = 0; j < 8; j++) {
    const u1 = f32(1 - d[i + j]!);
    const u2 = d[i + 8 + j]!;
    const radius = f32(Math.sqrt(f32(-2 * log256(u1))));
    const [sin, cos] = sincos256(f32(TWO_PI_F * u2));
    d[i + j] = f32(radius * cos);
    d[i + 8 + j] = f32(radius * sin);
  }
}

// Cephes constants as used by avx_mathfun.h (rounded to float).
const SQRTHF = f32(0.707106781186547524);
const LOG_P = [
  7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1,
  2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(f32);
const LOG_Q1 = f32(-2.12194440e-4);
const LOG_Q2 = f32(0.693359375);
const MIN_NORM_POS = 1.17549435e-38;

const bitsView = new DataView(new ArrayBuffer(4));
function floatBits(x: number): number {
  bitsView.setFloat32(0, x, true);
  return bitsView.getUint32(0, true);
}
function bitsFloat(b: number): number {
  bitsView.setUint32(0, b >>> 0, true);
  return bitsView.getFloat32(0, true);
}

/** log256_ps for one lane, with the multiply-adds GCC fused in torch 1.13's AVX2 build. */
function log256(xIn: number): number {
  let x = Math.max(xIn, f32(MIN_NORM_POS));
  const bits = floatBits(x);
  const exponent = (bits >>> 23) - 0x7f;
  x = bitsFloat((bits & ~0x7f800000) | 0x3f000000);
  let e = f32(exponent + 1);
  const mask = x < SQRTHF;
  const tmp = mask ? x : 0;
  x = f32(x - 1);
  if (mask) e = f32(e - 1);
  x = f32(x + tmp);
  const z = f32(x * x);
  let y = LOG_P[0]!;
  for (let k = 1; k < LOG_P.length; k++) y = fmaf(y, x, LOG_P[k]!);
  y = fmaf(f32(y * x), z, f32(e * LOG_Q1));
  y = f32(y - f32(z * 0.5));
  return fmaf(e, LOG_Q2, f32(x + y));
}

const FOPI = f32(1.27323954473516);
const MINUS_DP = [-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8].map(f32);
const COS_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f32);
const SIN_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f32);

/** sincos256_ps for one lane (input ≥ 0 here), returning [sin, cos]. */
function sincos256(xIn: number): [number, number] {
  let signSin = xIn < 0 || Object.is(xIn, -0);
  let x = Math.abs(xIn);
  let j = Math.trunc(f32(x * FOPI));
  j = (j + 1) & ~1;
  const y = f32(j);
  if (j & 4) signSin = !signSin;
  const polyMask = (j & 2) === 0;
  const signCos = ((~(j - 2)) & 4) !== 0;
  for (const dp of MINUS_DP) x = fmaf(y, dp!, x);
  const z = f32(x * x);
  let c = fmaf(COS_P[0]!, z, COS_P[1]!);
  c = fmaf(c, z, COS_P[2]!);
  c = fmaf(f32(c * z), z, -f32(z * 0.5));
  c = f32(c + 1);
  let s = fmaf(SIN_P[0]!, z, SIN_P[1]!);
  s = fmaf(s, z, SIN_P[2]!);
  s = fmaf(f32(s * z), x, x);
  const sin = polyMask ? s : c;
  const cos = polyMask ? c : s;
  return [signSin ? -sin : sin, signCos ? -cos : cos];
}
