// The checks both denoising loops (CPU and device) make around each UNet call and the decode: yield, cancel, progress.
import type { LatentPreview } from './latent-preview';
import { throwIfCancelled, type CancelSignal, type ProgressEvent } from './progress';

export interface LoopHooks {
  signal?: CancelSignal;
  onProgress?: (e: ProgressEvent) => void | Promise<void>;
  yieldToHost?: () => Promise<void>;
  /** Each step's progress event carries a preview of x₀ (the device loop reads it back only then). */
  preview?: boolean;
  /** This image's index and the request's image count. */
  image: number;
  images: number;
}

/** Before every UNet call: let the host handle messages, then honour a cancel. */
export async function beforeStep(h: LoopHooks): Promise<void> {
  await h.yieldToHost?.();
  throwIfCancelled(h.signal);
}

export async function afterStep(h: LoopHooks, step: number, steps: number, preview?: LatentPreview): Promise<void> {
  await h.onProgress?.({ stage: 'denoise', image: h.image, images: h.images, step, steps, ...(preview ? { preview } : {}) });
}

/** A check on each side of the decode announcement: a cancel during the VAE's run drops its image. */
export async function beforeDecode(h: LoopHooks, steps: number): Promise<void> {
  await h.yieldToHost?.();
  throwIfCancelled(h.signal);
  await h.onProgress?.({ stage: 'decode', image: h.image, images: h.images, step: steps, steps });
  throwIfCancelled(h.signal);
}

export async function afterDecode(h: LoopHooks): Promise<void> {
  await h.yieldToHost?.();
  throwIfCancelled(h.signal);
}
