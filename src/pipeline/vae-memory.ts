// Estimates the VAE decoder's largest GPU buffer from its config, and picks a decode tile when that buffer would not fit.
export type Precision = 'fp16' | 'fp32';

/** What the decoder's shape depends on: diffusers' AutoencoderKL config. */
export interface VaeShape {
  /** `block_out_channels` (SDXL: 128, 256, 512, 512); the decoder runs them in reverse. */
  blockOutChannels: readonly number[];
  /** The mid block's self-attention (diffusers' `mid_block_add_attention`, true for SDXL). */
  midBlockAttention?: boolean;
}

export interface VaeBufferEstimate {
  /** The largest activation of the up blocks (channels × pixels at that block's resolution) in bytes. */
  activationBytes: number;
  /**
   * The mid block's attention scores, (h·w)² for one head. diffusers' VAE attention upcasts the softmax, so they are
   * float32 whatever the model's precision.
   */
  attentionBytes: number;
  largestBytes: number;
}

const BYTES: Record<Precision, number> = { fp16: 2, fp32: 4 };

/** The largest single tensor the decoder makes for a latent of latentHeight × latentWidth. */
export function vaeDecoderLargestBuffer(vae: VaeShape, latentHeight: number, latentWidth: number, precision: Precision): VaeBufferEstimate {
  const channels = [...vae.blockOutChannels].reverse();
  const area = (level: number) => latentHeight * latentWidth * 4 ** level;
  let elements = channels[0]! * area(0); // conv_in and the mid block
  for (const [level, out] of channels.entries()) {
    const input = channels[Math.max(0, level - 1)]!;
    elements = Math.max(elements, Math.max(input, out) * area(level)); // the block's resnets (and their group norms)
    if (level < channels.length - 1) elements = Math.max(elements, out * area(level + 1)); // its upsampler's output
  }
  const activationBytes = elements * BYTES[precision];
  const tokens = latentHeight * latentWidth;
  const attentionBytes = vae.midBlockAttention === false ? 0 : tokens * tokens * 4;
  return { activationBytes, attentionBytes, largestBytes: Math.max(activationBytes, attentionBytes) };
}

/**
 * The largest single tensor the encoder makes for the pixels of a latentHeight × latentWidth latent: its blocks run
 * the channels forwards, each block's resnets at its resolution, then the same mid block as the decoder. The
 * decoder's last block holds max(channels[0], channels[1]) channels at full resolution where the encoder's first holds
 * channels[0], so a tile that fits the decoder fits the encoder too: one choice (chooseVaeTiling) serves both.
 */
export function vaeEncoderLargestBuffer(vae: VaeShape, latentHeight: number, latentWidth: number, precision: Precision): VaeBufferEstimate {
  const channels = vae.blockOutChannels;
  const levels = channels.length - 1;
  const area = (level: number) => latentHeight * latentWidth * 4 ** (levels - level);
  let elements = channels[0]! * area(0); // conv_in
  for (const [level, out] of channels.entries()) {
    const input = channels[Math.max(0, level - 1)]!;
    elements = Math.max(elements, Math.max(input, out) * area(level));
  }
  const activationBytes = elements * BYTES[precision];
  const tokens = latentHeight * latentWidth;
  const attentionBytes = vae.midBlockAttention === false ? 0 : tokens * tokens * 4;
  return { activationBytes, attentionBytes, largestBytes: Math.max(activationBytes, attentionBytes) };
}

/** In low-memory mode no decoder buffer may exceed this (and the adapter's own limit). */
export const LOW_MEMORY_BUFFER_BYTES = 256 * 2 ** 20;
/** The smallest tile the automatic rule goes down to, in latents (64 px on SDXL). */
export const MIN_AUTO_TILE_LATENT = 8;

export interface TilingLimits {
  /** The adapter's limit on one buffer: min(maxStorageBufferBindingSize, maxBufferSize); absent on the wasm EP. */
  maxBufferBytes?: number;
  /** The app's low-memory setting. */
  lowMemory: boolean;
}

export interface TilingChoice {
  /** Tile edge in latents; undefined = decode the whole latent at once. */
  tileLatent?: number;
  /** What one buffer may hold; Infinity when nothing limits it. */
  budgetBytes: number;
  /** The estimate for the whole latent, and for one tile when tiled. */
  whole: VaeBufferEstimate;
  tile?: VaeBufferEstimate;
}

/**
 * Whole when the largest buffer fits the budget; otherwise the largest tile (a multiple of 8 latents, at least
 * MIN_AUTO_TILE_LATENT) whose largest buffer fits, or the smallest tile when none does.
 */
export function chooseVaeTiling(vae: VaeShape, latentHeight: number, latentWidth: number, precision: Precision, limits: TilingLimits): TilingChoice {
  const budgetBytes = Math.min(limits.maxBufferBytes ?? Infinity, limits.lowMemory ? LOW_MEMORY_BUFFER_BYTES : Infinity);
  const whole = vaeDecoderLargestBuffer(vae, latentHeight, latentWidth, precision);
  if (whole.largestBytes <= budgetBytes) return { budgetBytes, whole };
  const longest = Math.max(latentHeight, latentWidth);
  let tileLatent = MIN_AUTO_TILE_LATENT;
  for (let t = Math.floor((longest - 1) / 8) * 8; t > MIN_AUTO_TILE_LATENT; t -= 8) {
    if (vaeDecoderLargestBuffer(vae, Math.min(t, latentHeight), Math.min(t, latentWidth), precision).largestBytes <= budgetBytes) {
      tileLatent = t;
      break;
    }
  }
  const tile = vaeDecoderLargestBuffer(vae, Math.min(tileLatent, latentHeight), Math.min(tileLatent, latentWidth), precision);
  return { tileLatent, budgetBytes, whole, tile };
}
