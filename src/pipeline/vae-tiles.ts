// Tile plan and overlap blending of diffusers' AutoencoderKL.tiled_decode: overlapping latent tiles, each decoded alone,
// blended linearly into the tile above and to the left, cropped to the row limit and laid side by side.
import type { ModelRunner } from './runners';
const f32 = Math.fround;

/** diffusers' `tile_overlap_factor`. */
export const TILE_OVERLAP_FACTOR = 0.25;

export interface TilePlan {
  /** Tile edge in latents (diffusers' `tile_latent_min_size`). */
  tileLatent: number;
  /** Pixels per latent (8 for SDXL). */
  scale: number;
  /** Latent start of each tile row / column: multiples of the stride `int(tileLatent · (1 − overlap))`. */
  rowStarts: number[];
  colStarts: number[];
  /** Decoded tile height / width in pixels of each row / column (edge tiles are cut by the latent's edge). */
  rowHeights: number[];
  colWidths: number[];
  /** Pixels blended with the tile above / to the left (`int(tileLatent · scale · overlap)`). */
  blendExtent: number;
  /** Pixels of each tile kept after blending (`tileLatent · scale − blendExtent`), the stride in pixels. */
  rowLimit: number;
  /** Output size in pixels. */
  height: number;
  width: number;
}

/**
 * The tiles for a latent of latentHeight × latentWidth. `tileLatent` must be a multiple of 4 (at overlap 0.25 the kept
 * part of each tile then equals the stride exactly, so the tiles meet without gap or overlap, as in diffusers).
 */
export function planTiles(latentHeight: number, latentWidth: number, tileLatent: number, scale: number): TilePlan {
  for (const [name, v] of [['latent height', latentHeight], ['latent width', latentWidth], ['scale', scale]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive whole number (got ${v})`);
  }
  if (!Number.isInteger(tileLatent) || tileLatent < 4 || tileLatent % 4 !== 0) {
    throw new RangeError(`the VAE tile must be a whole number of latents, a multiple of 4 (${4 * scale} px), got ${tileLatent}`);
  }
  const stride = Math.trunc(tileLatent * (1 - TILE_OVERLAP_FACTOR));
  const tilePixels = tileLatent * scale;
  const blendExtent = Math.trunc(tilePixels * TILE_OVERLAP_FACTOR);
  const rowLimit = tilePixels - blendExtent;
  const starts = (n: number) => Array.from({ length: Math.ceil(n / stride) }, (_, i) => i * stride);
  const rowStarts = starts(latentHeight);
  const colStarts = starts(latentWidth);
  return {
    tileLatent, scale, rowStarts, colStarts, blendExtent, rowLimit,
    rowHeights: rowStarts.map((s) => Math.min(tileLatent, latentHeight - s) * scale),
    colWidths: colStarts.map((s) => Math.min(tileLatent, latentWidth - s) * scale),
    height: latentHeight * scale,
    width: latentWidth * scale,
  };
}

/** How many different tile shapes the plan has (edge tiles are cut by the image's edge): 1 to 4. */
export function tileShapes(plan: TilePlan): number {
  return new Set(plan.rowHeights).size * new Set(plan.colWidths).size;
}

/**
 * The runner for the plan's tiles: with several tile shapes, the model's varying-shapes view (one session for all of
 * them, not one per shape); with one, the model itself (its static session for that shape).
 */
export function tileRunner(vae: ModelRunner, plan: TilePlan): ModelRunner {
  return tileShapes(plan) > 1 ? vae.forVaryingShapes?.() ?? vae : vae;
}

/** One decoded tile, channels-first [channels, height, width] (batch 1). */
export interface DecodedTile {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** Copies channels × latentH × latentW of a [1, C, H, W] latent starting at (y, x): one tile's decoder input. */
export function sliceLatent(latents: Float32Array, dims: readonly number[], y: number, x: number, h: number, w: number): Float32Array {
  const [, channels, height, width] = dims as [number, number, number, number];
  const out = new Float32Array(channels * h * w);
  for (let c = 0; c < channels; c++) {
    for (let r = 0; r < h; r++) {
      const from = (c * height + y + r) * width + x;
      out.set(latents.subarray(from, from + w), (c * h + r) * w);
    }
  }
  return out;
}

/** diffusers' blend_v, in place on `below`: its first rows fade in from the last rows of `above`. */
export function blendVertical(above: DecodedTile, below: DecodedTile, blendExtent: number): void {
  const extent = Math.min(above.height, below.height, blendExtent);
  const w = below.width;
  for (let c = 0; c < below.channels; c++) {
    for (let y = 0; y < extent; y++) {
      const keep = f32(1 - y / extent);
      const take = f32(y / extent);
      const a = (c * above.height + above.height - extent + y) * w;
      const b = (c * below.height + y) * w;
      for (let x = 0; x < w; x++) below.data[b + x] = f32(f32(above.data[a + x]! * keep) + f32(below.data[b + x]! * take));
    }
  }
}

/** diffusers' blend_h, in place on `right`: its first columns fade in from the last columns of `left`. */
export function blendHorizontal(left: DecodedTile, right: DecodedTile, blendExtent: number): void {
  const extent = Math.min(left.width, right.width, blendExtent);
  const h = right.height;
  for (let c = 0; c < right.channels; c++) {
    for (let y = 0; y < h; y++) {
      const a = (c * h + y) * left.width + left.width - extent;
      const b = (c * h + y) * right.width;
      for (let x = 0; x < extent; x++) {
        right.data[b + x] = f32(f32(left.data[a + x]! * f32(1 - x / extent)) + f32(right.data[b + x]! * f32(x / extent)));
      }
    }
  }
}

/**
 * Blends one row of decoded tiles (in place, as diffusers does: the blended tiles are what the next row and the next
 * column blend with) and copies each tile's kept part into `out` ([channels, plan.height, plan.width]).
 */
export function placeTileRow(plan: TilePlan, rowIndex: number, row: DecodedTile[], above: DecodedTile[] | undefined, out: Float32Array): void {
  const top = rowIndex * plan.rowLimit;
  for (const [j, tile] of row.entries()) {
    if (above) blendVertical(above[j]!, tile, plan.blendExtent);
    if (j > 0) blendHorizontal(row[j - 1]!, tile, plan.blendExtent);
    const left = j * plan.rowLimit;
    const keepH = Math.min(plan.rowLimit, tile.height);
    const keepW = Math.min(plan.rowLimit, tile.width);
    for (let c = 0; c < tile.channels; c++) {
      for (let y = 0; y < keepH; y++) {
        const from = (c * tile.height + y) * tile.width;
        out.set(tile.data.subarray(from, from + keepW), (c * plan.height + top + y) * plan.width + left);
      }
    }
  }
}

/**
 * Runs `tile(i, j)` for every tile of the plan, row by row (a cancel is honoured before each), and blends each finished
 * row into the output: one row of tiles is kept at a time. Returns [channels, plan.height, plan.width] and the count.
 */
export async function assembleTiles(
  plan: TilePlan, tile: (row: number, col: number) => Promise<DecodedTile>, beforeEach?: () => void,
): Promise<{ data: Float32Array; channels: number; tiles: number }> {
  let out: Float32Array | undefined;
  let above: DecodedTile[] | undefined;
  let tiles = 0;
  for (const i of plan.rowStarts.keys()) {
    const row: DecodedTile[] = [];
    for (const j of plan.colStarts.keys()) {
      beforeEach?.();
      row.push(await tile(i, j));
      tiles++;
    }
    out ??= new Float32Array(row[0]!.channels * plan.height * plan.width);
    placeTileRow(plan, i, row, above, out);
    above = row;
  }
  return { data: out!, channels: above![0]!.channels, tiles };
}
