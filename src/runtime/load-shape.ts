// Which shape each component's session is made for at load (before any request), and how many shapes it may keep.
import type { DeclaredInput } from './onnx-input-dims';
import { dimValues, type DimValues } from './session-shapes';

export interface FirstShape {
  /** Image size in pixels (the model's default size). */
  width: number;
  height: number;
  /** Pixels per latent cell (8 for SDXL). */
  vaeScaleFactor: number;
  /** UNet batch: 1 (CFG ≤ 1, Lightning's recommended setting) or 2 (negative + positive). */
  unetBatch: number;
  /** Tokens per text-encoder call (CLIP's 77). */
  tokens: number;
}

/**
 * The dims a component's first call is expected to have, as feed dims per input: batch first, images at the default
 * size, 77 tokens. Read through `dimValues`, so any naming of the free dims works; undefined when a free dim is left
 * that these rules do not place (such a component gets one session with its dims left free).
 */
export function firstDims(component: string, declared: readonly DeclaredInput[], s: FirstShape): DimValues | undefined {
  const lh = Math.round(s.height / s.vaeScaleFactor);
  const lw = Math.round(s.width / s.vaeScaleFactor);
  const batch = component === 'unet' ? s.unetBatch : 1;
  const feeds: Record<string, { dims: number[] }> = {};
  for (const input of declared) {
    const r = input.dims.length;
    const place = (i: number): number | undefined => {
      const d = input.dims[i];
      if (typeof d === 'number') return d;
      if (i === 0) return batch;
      if (r === 4 && i >= 2) return component === 'vae_encoder' ? (i === 2 ? s.height : s.width) : i === 2 ? lh : lw;
      if ((r === 3 || r === 2) && i === 1 && (input.name === 'input_ids' || input.name === 'encoder_hidden_states')) return s.tokens;
      return undefined;
    };
    const dims = input.dims.map((_, i) => place(i));
    if (dims.some((d) => d === undefined)) return undefined;
    feeds[input.name] = { dims: dims as number[] };
  }
  const values = dimValues(declared, feeds);
  return Object.keys(values).length > 0 ? values : undefined;
}

/** Extra copies of a component's weights the shape cache may hold, in bytes: onnxruntime shares no weights between sessions. */
export const EXTRA_SHAPE_BYTES = 256 * 2 ** 20;
export const MAX_SHAPES = 3;

/**
 * How many shapes a component keeps: each one is a session with its own copy of the weights (measured: a second
 * shape's session of a 198 MB VAE decoder added 203 MB), so big components keep one (a new size rebuilds) and small
 * ones up to three while the extra copies stay under EXTRA_SHAPE_BYTES.
 */
export function shapeCapacity(componentBytes: number): number {
  if (!(componentBytes > 0)) return 1;
  return Math.max(1, Math.min(MAX_SHAPES, 1 + Math.floor(EXTRA_SHAPE_BYTES / componentBytes)));
}
