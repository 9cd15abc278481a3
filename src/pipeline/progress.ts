// Progress events, cancellation and timing hooks shared by the pipeline stages.
import type { LatentPreview } from './latent-preview';

/** session: the text encoders' sessions re-created before a run (low-memory mode frees them after each prompt). */
export type Stage = 'session' | 'encode_prompt' | 'denoise' | 'decode';

export interface ProgressEvent {
  stage: Stage;
  /** 0-based image index and the image count. */
  image: number;
  images: number;
  /** UNet calls done / total for this image (denoise), else 0/0. */
  step: number;
  steps: number;
  /** stage 'session': the component whose session is being created. */
  component?: string;
  /** Stage 'denoise', only when previews were asked for: this step's x₀ as a small RGB picture (latent resolution). */
  preview?: LatentPreview;
}

/**
 * Told of each stage as it starts; it may answer `true` to cancel the run right there (the page's answer to a progress
 * event comes back before the worker moves on, so a cancel sent from inside the callback is honoured at that stage).
 */
export type ProgressListener = (e: ProgressEvent) => void | boolean | Promise<void | boolean>;

/** The part of AbortSignal the pipeline needs (no DOM types here). */
export interface CancelSignal {
  readonly aborted: boolean;
}

export class CancelledError extends Error {
  constructor() {
    super('generation cancelled');
    this.name = 'CancelledError';
  }
}

export function throwIfCancelled(signal: CancelSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Wall time per stage, in milliseconds. */
export interface StageTimings {
  encode_prompt: number;
  denoise: number[];
  decode: number;
  total: number;
}
