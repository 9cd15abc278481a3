// Pillow's 8-bit LANCZOS resize, bit for bit: precompute_coeffs, 22-bit fixed-point weights, horizontal then vertical.
import type { PixelGrid } from './pixel-grid';

const PRECISION_BITS = 32 - 8 - 2;
const SUPPORT = 3;

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(x * Math.PI) / (x * Math.PI));
const lanczos = (x: number) => (x >= -SUPPORT && x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0);

/** Per output index: the first input index, how many follow, and their fixed-point weights (Resample.c). */
interface Coeffs { bounds: Int32Array; weights: Int32Array; ksize: number }

function precomputeCoeffs(inSize: number, in0: number, in1: number, outSize: number): Coeffs {
  const scale = Math.fround(Math.fround(in1) - Math.fround(in0)) / outSize;
  const filterScale = Math.max(scale, 1);
  const support = SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = Math.fround(in0) + (xx + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = lanczos((x + xmin - center + 0.5) * ss);
      ww += k[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      // normalize_coeffs_8bpc: round half away from zero, as C's (int) cast of ±0.5 + w·2^22.
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, weights, ksize };
}

const clip8 = (v: number) => (v >= 1 << PRECISION_BITS << 8 ? 255 : v <= 0 ? 0 : v >> PRECISION_BITS);

/** One pass along x (rows rowOffset…) or along y, into a new grid of outW × outH. */
function resamplePass(src: PixelGrid, outW: number, outH: number, c: Coeffs, horizontal: boolean, rowOffset: number): PixelGrid {
  const ch = src.channels;
  const out = new Uint8Array(outW * outH * ch);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const i = horizontal ? x : y;
      const min = c.bounds[i * 2]!;
      const n = c.bounds[i * 2 + 1]!;
      for (let ci = 0; ci < ch; ci++) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let j = 0; j < n; j++) {
          const at = horizontal ? ((y + rowOffset) * src.width + min + j) * ch : ((min + j) * src.width + x) * ch;
          ss += src.data[at + ci]! * c.weights[i * c.ksize + j]!;
        }
        out[(y * outW + x) * ch + ci] = clip8(ss);
      }
    }
  }
  return { data: out, width: outW, height: outH, channels: ch };
}

/** PIL's crop: the box's pixels (the box must lie inside the image). */
export function cropGrid(img: PixelGrid, [x1, y1, x2, y2]: readonly number[]): PixelGrid {
  const w = x2! - x1!;
  const h = y2! - y1!;
  const data = new Uint8Array(w * h * img.channels);
  for (let y = 0; y < h; y++) {
    const from = ((y + y1!) * img.width + x1!) * img.channels;
    data.set(img.data.subarray(from, from + w * img.channels), y * w * img.channels);
  }
  return { data, width: w, height: h, channels: img.channels };
}

/**
 * `Image.resize((outW, outH), LANCZOS, box)`: an integer box the size of the output is a crop; otherwise the
 * horizontal pass runs over the rows the vertical pass needs, then the vertical pass (each only when it changes
 * something, by ImagingResampleInner's test).
 */
export function lanczosResize(img: PixelGrid, outW: number, outH: number, box: readonly number[] = [0, 0, img.width, img.height]): PixelGrid {
  const [x0, y0, x1, y1] = box as [number, number, number, number];
  const integral = [x0, y0, x1, y1].every(Number.isInteger);
  if (integral && x1 - x0 === outW && y1 - y0 === outH) return cropGrid(img, box);
  const horiz = precomputeCoeffs(img.width, x0, x1, outW);
  const vert = precomputeCoeffs(img.height, y0, y1, outH);
  const needHorizontal = outW !== img.width || x0 !== 0 || x1 !== outW;
  const needVertical = outH !== img.height || y0 !== 0 || y1 !== outH;
  let cur = img;
  if (needHorizontal) {
    const first = vert.bounds[0]!;
    const last = vert.bounds[outH * 2 - 2]! + vert.bounds[outH * 2 - 1]!;
    for (let i = 0; i < outH; i++) vert.bounds[i * 2] = vert.bounds[i * 2]! - first;
    cur = resamplePass(img, outW, last - first, horiz, true, first);
  }
  if (needVertical) cur = resamplePass(cur, cur.width, outH, vert, false, 0);
  return cur === img ? { ...img, data: img.data.slice() } : cur;
}
