// The progress bar's time left: measured step times and the decode overhead turned into an ETA, on explicit timelines.
import { describe, expect, it } from 'vitest';
import { createProgressClock } from '../../src/ui/progress-eta';
import type { ProgressEvent } from '../../src/worker/protocol';

const denoise = (image: number, step: number, images = 2, steps = 4): ProgressEvent => ({ stage: 'denoise', image, images, step, steps });
const decode = (image: number, images = 2, steps = 4): ProgressEvent => ({ stage: 'decode', image, images, step: steps, steps });

describe('progress clock', () => {
  it('has no ETA before a step interval is measured, then steps left × the mean step time', () => {
    const clock = createProgressClock();
    expect(clock.update({ stage: 'encode_prompt', image: 0, images: 2, step: 0, steps: 0 }, 0)).toEqual({ imageDone: 0, batchDone: 0, msPerStep: undefined });
    expect(clock.update(denoise(0, 1), 500).etaMs).toBeUndefined();
    // Steps of 100 ms and 140 ms: mean 120 ms. Left: 2 steps of this image + 4 of the next, and 2 decodes not measured yet.
    clock.update(denoise(0, 2), 600);
    const e = clock.update(denoise(0, 3), 740);
    expect(e.msPerStep).toBe(120);
    expect(e.etaMs).toBe((1 + 4) * 120);
    expect(e.imageDone).toBe(0.75);
    expect(e.batchDone).toBeCloseTo((0 + 0.75 * 0.95) / 2, 10);
  });

  it('measures the decode with the next image’s start, and counts it for every image still to decode', () => {
    const clock = createProgressClock();
    [[denoise(0, 1), 0], [denoise(0, 2), 100], [denoise(0, 3), 200], [denoise(0, 4), 300], [decode(0), 300]].forEach(([p, t]) => clock.update(p as ProgressEvent, t as number));
    // The decode event to image 1's first step: 450 ms, of which one step (100 ms) was image 1's step: 350 ms overhead.
    const first = clock.update(denoise(1, 1), 750);
    expect(first.msPerStep).toBe(100);
    expect(first.etaMs).toBe(3 * 100 + 1 * 350);
    expect(first.batchDone).toBeCloseTo((1 + 0.25 * 0.95) / 2, 10);
    clock.update(denoise(1, 2), 850);
    clock.update(denoise(1, 3), 950);
    clock.update(denoise(1, 4), 1050);
    const last = clock.update(decode(1), 1050);
    expect([last.imageDone, last.etaMs]).toEqual([1, 350]);
  });

  it('does not count the gap between images as a step', () => {
    const clock = createProgressClock();
    clock.update(denoise(0, 1, 2, 2), 0);
    clock.update(denoise(0, 2, 2, 2), 100);
    clock.update(decode(0, 2, 2), 100);
    clock.update(denoise(1, 1, 2, 2), 5000);
    expect(clock.update(denoise(1, 2, 2, 2), 5100).msPerStep).toBe(100);
  });
});
