// The time left in a generation, from the step times measured so far: the mean UNet step, and the decode (with the
// next image's start) once one has been seen; unknown until the first step interval is measured.
import type { ProgressEvent } from '../worker/protocol';

export interface ProgressEstimate {
  /** Fraction of the current image's denoise steps done, and of the whole batch (decodes counted as 5 % of an image). */
  imageDone: number;
  batchDone: number;
  /** Mean measured time of one denoise step (ms); undefined before two steps of one image were seen. */
  msPerStep?: number;
  /** Milliseconds left for the whole batch; undefined until a step time is known. */
  etaMs?: number;
}

const DECODE_SHARE = 0.05;

/** A fresh clock per generation: `update` takes each progress event in order, with the time it arrived. */
export function createProgressClock() {
  let stepTotal = 0;
  let stepCount = 0;
  let decodeMs: number | undefined;
  let last: { p: ProgressEvent; at: number } | undefined;
  return {
    update(p: ProgressEvent, at: number): ProgressEstimate {
      if (last && p.stage === 'denoise') {
        const prev = last.p;
        // A step interval: the previous event was the step before, in the same image.
        if (prev.stage === 'denoise' && prev.image === p.image && p.step === prev.step + 1) {
          stepTotal += at - last.at;
          stepCount++;
        }
        // The decode and the next image's start up to its first step: one image's overhead besides its steps.
        if (prev.stage === 'decode' && p.image === prev.image + 1 && p.step === 1 && stepCount > 0) decodeMs = Math.max(0, at - last.at - stepTotal / stepCount);
      }
      last = { p, at };
      const perImage = p.stage === 'decode' ? 1 : p.stage === 'denoise' && p.steps > 0 ? p.step / p.steps : 0;
      const started = p.stage === 'denoise' || p.stage === 'decode';
      const batchDone = p.images > 0 && started ? (p.image + perImage * (1 - DECODE_SHARE)) / p.images : 0;
      const msPerStep = stepCount > 0 ? stepTotal / stepCount : undefined;
      if (msPerStep === undefined || !started) return { imageDone: perImage, batchDone, msPerStep };
      const laterImages = p.images - p.image - 1;
      const stepsLeft = (p.stage === 'decode' ? 0 : p.steps - p.step) + laterImages * p.steps;
      const decodesLeft = laterImages + 1; // the current image's decode: to come, or just begun
      return { imageDone: perImage, batchDone, msPerStep, etaMs: stepsLeft * msPerStep + decodesLeft * (decodeMs ?? 0) };
    },
  };
}
