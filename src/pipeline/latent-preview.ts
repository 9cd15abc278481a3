// Live previews without a model: the predicted x₀ projected to RGB by one fixed linear map per latent channel, at
// latent resolution (128×128 for a 1024 px image), as RGBA bytes for a canvas.

/** RGB = bias + Σₖ latent[k]·factors[k] per pixel, then [-1, 1] mapped to [0, 255] and clamped. */
export interface LatentRgbMap {
  /** One [R, G, B] row per latent channel. */
  factors: readonly (readonly [number, number, number])[];
  bias: readonly [number, number, number];
}

/**
 * SDXL's latent-to-RGB approximation, fitted on the SDXL VAE's (scaled) latent space — the space the UNet and the
 * schedulers work in. Values from ComfyUI, comfy/latent_formats.py, class SDXL (latent_rgb_factors and
 * latent_rgb_factors_bias), which its "latent2rgb" previewer (latent_preview.py) applies the same way.
 */
export const SDXL_LATENT_RGB: LatentRgbMap = {
  factors: [
    [0.3651, 0.4232, 0.4341],
    [-0.2533, -0.0042, 0.1068],
    [0.1076, 0.1111, -0.0362],
    [-0.3165, -0.2492, -0.2188],
  ],
  bias: [0.1084, -0.0175, -0.0011],
};

/** One preview frame: RGBA bytes, row-major, at latent resolution. */
export interface LatentPreview {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

/** Projects entry `index` of `latents` [N, C, H, W] (float32, NCHW) to an RGBA preview of H×W pixels. */
export function projectLatents(latents: Float32Array, dims: readonly number[], index = 0, map: LatentRgbMap = SDXL_LATENT_RGB): LatentPreview {
  if (dims.length !== 4) throw new Error(`latent preview: dims must be [N, C, H, W], got [${dims.join(', ')}]`);
  const [n, c, height, width] = dims as [number, number, number, number];
  if (c !== map.factors.length) throw new Error(`latent preview: the map takes ${map.factors.length} latent channels, the latents have ${c}`);
  if (latents.length !== n * c * height * width) throw new Error(`latent preview: ${latents.length} values do not fill [${dims.join(', ')}]`);
  if (!Number.isInteger(index) || index < 0 || index >= n) throw new Error(`latent preview: index ${index} is outside the batch of ${n}`);
  const plane = height * width;
  const base = index * c * plane;
  const rgba = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let ch = 0; ch < 3; ch++) {
      let v = map.bias[ch]!;
      for (let k = 0; k < c; k++) v += latents[base + k * plane + p]! * map.factors[k]![ch]!;
      // Uint8ClampedArray clamps to [0, 255] and rounds (ties to even); NaN becomes 0.
      rgba[p * 4 + ch] = ((v + 1) / 2) * 255;
    }
    rgba[p * 4 + 3] = 255;
  }
  return { rgba, width, height };
}
