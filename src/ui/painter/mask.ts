// The mask being painted: a float map (0 keep … 1 repaint) at image size, soft round stamps, and export to a PNG mask.

export class MaskBitmap {
  readonly data: Float32Array;
  constructor(readonly width: number, readonly height: number, data?: Float32Array) {
    this.data = data ?? new Float32Array(width * height);
  }

  clone(): MaskBitmap {
    return new MaskBitmap(this.width, this.height, this.data.slice());
  }

  /** A round stamp of `radius` px at (cx, cy); hardness 1 = hard edge, 0 = fully soft falloff. erase lowers the mask. */
  stamp(cx: number, cy: number, radius: number, hardness: number, erase: boolean): void {
    const r = Math.max(0.5, radius);
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + r));
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + r));
    const solid = r * Math.min(1, Math.max(0, hardness));
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        if (d > r) continue;
        const a = d <= solid ? 1 : 1 - (d - solid) / (r - solid);
        const i = y * this.width + x;
        this.data[i] = erase ? Math.min(this.data[i]!, 1 - a) : Math.max(this.data[i]!, a);
      }
    }
  }

  /**
   * Stamps along a segment, spaced a quarter of the radius apart, so fast strokes leave no gaps. Only the part within
   * a radius of the mask can paint, so only that part is walked: a point 1e9 px away costs no more than one at the edge.
   */
  line(ax: number, ay: number, bx: number, by: number, radius: number, hardness: number, erase: boolean): void {
    const r = Math.max(0.5, radius);
    const span = clipSegment(ax, ay, bx, by, -r, -r, this.width + r, this.height + r);
    if (!span) return;
    const [t0, t1] = span;
    const steps = Math.max(1, Math.ceil((Math.hypot(bx - ax, by - ay) * (t1 - t0)) / Math.max(0.5, radius / 4)));
    for (let s = 1; s <= steps; s++) {
      const t = t0 + ((t1 - t0) * s) / steps;
      this.stamp(ax + (bx - ax) * t, ay + (by - ay) * t, radius, hardness, erase);
    }
  }

  invert(): void {
    for (let i = 0; i < this.data.length; i++) this.data[i] = 1 - this.data[i]!;
  }

  fill(value: number): void {
    this.data.fill(value);
  }

  /** Transparent pixels of an image become the area to repaint (an image with a cut-out is its own mask). */
  static fromAlpha(rgba: ArrayLike<number>, width: number, height: number): MaskBitmap {
    const m = new MaskBitmap(width, height);
    for (let p = 0; p < width * height; p++) m.data[p] = 1 - rgba[p * 4 + 3]! / 255;
    return m;
  }

  /** The request's mask_image pixels: white where the mask is at least half on (the pipeline binarises at 0.5). */
  toRgba(): Uint8ClampedArray<ArrayBuffer> {
    const out = new Uint8ClampedArray(this.width * this.height * 4);
    for (let p = 0; p < this.data.length; p++) {
      const v = this.data[p]! >= 0.5 ? 255 : 0;
      out.set([v, v, v, 255], p * 4);
    }
    return out;
  }
}

/** The part [t0, t1] of the segment a→b inside the box (Liang–Barsky), or undefined when none is, or a point is not finite. */
function clipSegment(ax: number, ay: number, bx: number, by: number, x0: number, y0: number, x1: number, y1: number): [number, number] | undefined {
  if (![ax, ay, bx, by].every(Number.isFinite)) return undefined;
  let t0 = 0;
  let t1 = 1;
  const dx = bx - ax;
  const dy = by - ay;
  for (const [p, q] of [[-dx, ax - x0], [dx, x1 - ax], [-dy, ay - y0], [dy, y1 - ay]] as const) {
    if (p === 0) {
      if (q < 0) return undefined;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return undefined;
  }
  return [t0, t1];
}
