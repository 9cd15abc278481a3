// Outpainting's pre-fill: the unknown area (mask = 1) becomes a smooth continuation of the edge colours, so the
// VAE encodes plausible colour instead of a hard border: edge padding outwards, then repeated blurs that re-stamp
// the known pixels each time.
import type { RgbaImage } from './image-tensors';

const NEIGHBOURS = [[-1, 0], [1, 0], [0, -1], [0, 1], [-1, -1], [1, -1], [-1, 1], [1, 1]] as const;

/** Fills every masked pixel from the nearest known ones, ring by ring (breadth-first from the known area). */
function edgePad(src: Float32Array, known: Uint8Array, w: number, h: number): Float32Array {
  const out = src.slice();
  const filled = known.slice();
  let frontier: number[] = [];
  for (let p = 0; p < w * h; p++) if (!filled[p]) frontier.push(p);
  while (frontier.length > 0) {
    const next: number[] = [];
    const ring: [number, number[]][] = [];
    for (const p of frontier) {
      const x = p % w;
      const y = Math.floor(p / w);
      const sum = [0, 0, 0];
      let n = 0;
      for (const [dx, dy] of NEIGHBOURS) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= w || ny >= h || !filled[ny * w + nx]) continue;
        for (let c = 0; c < 3; c++) sum[c]! += out[(ny * w + nx) * 3 + c]!;
        n++;
      }
      if (n > 0) ring.push([p, sum.map((v) => v / n)]);
      else next.push(p);
    }
    if (ring.length === 0) break; // nothing known at all: leave as is
    for (const [p, rgb] of ring) {
      rgb.forEach((v, c) => (out[p * 3 + c] = v));
      filled[p] = 1;
    }
    frontier = next;
  }
  return out;
}

function blur3(src: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sum = [0, 0, 0];
      let n = 0;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
          for (let c = 0; c < 3; c++) sum[c]! += src[(ny * w + nx) * 3 + c]!;
          n++;
        }
      }
      for (let c = 0; c < 3; c++) out[(y * w + x) * 3 + c] = sum[c]! / n;
    }
  }
  return out;
}

/** The filled image: known pixels (mask 0) unchanged, masked ones a smooth continuation. `passes` blur iterations. */
export function outpaintFill(img: RgbaImage, mask: Float32Array, passes = 24): Uint8ClampedArray {
  const { width: w, height: h } = img;
  const known = Uint8Array.from(mask, (m) => (m < 0.5 ? 1 : 0));
  const rgb = new Float32Array(w * h * 3);
  for (let p = 0; p < w * h; p++) for (let c = 0; c < 3; c++) rgb[p * 3 + c] = img.rgba[p * 4 + c]!;
  let cur = edgePad(rgb, known, w, h);
  for (let i = 0; i < passes; i++) {
    cur = blur3(cur, w, h);
    for (let p = 0; p < w * h; p++) if (known[p]) for (let c = 0; c < 3; c++) cur[p * 3 + c] = rgb[p * 3 + c]!;
  }
  const out = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    for (let c = 0; c < 3; c++) out[p * 4 + c] = known[p] ? img.rgba[p * 4 + c]! : Math.round(cur[p * 3 + c]!);
    out[p * 4 + 3] = 255;
  }
  return out;
}
