// Progress events, cancellation and timing hooks shared by the pipeline stages.

export type Stage = 'encode_prompt' | 'denoise' | 'decode';

export interface ProgressEvent {
  stage: Stage;
  /** 0-based image index and the image count. */
  image: number;
  images: number;
  /** UNet calls done / total for this image (denoise), else 0/0. */
  step: number;
  steps: number;
}

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
