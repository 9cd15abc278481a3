// The generation progress bars: the whole batch and the current image, stage, image i/n, UNet step i/N and time left.
import type { ProgressEvent } from '../worker/protocol';
import { formatDuration } from './format';
import { createProgressClock } from './progress-eta';

const STAGE_LABELS = { session: 'Preparing the text encoders', encode_prompt: 'Encoding prompt', denoise: 'Denoising', decode: 'Decoding' } as const;

/** One clock per progress element, from a run's first event until it is hidden (undefined). */
const clocks = new WeakMap<HTMLElement, ReturnType<typeof createProgressClock>>();

export function showProgress(root: HTMLElement, p: ProgressEvent | undefined, now = performance.now()): void {
  root.hidden = p === undefined;
  if (!p) return void clocks.delete(root);
  let clock = clocks.get(root);
  if (!clock) clocks.set(root, (clock = createProgressClock()));
  const e = clock.update(p, now);
  const fill = root.querySelector<HTMLElement>('.progress-fill')!;
  const label = root.querySelector<HTMLElement>('.progress-label')!;
  fill.style.width = `${Math.round(e.batchDone * 100)}%`;
  // A second bar for the current image when the batch has several.
  const imageBar = root.querySelector<HTMLElement>('.progress-image');
  if (imageBar) {
    imageBar.hidden = p.images < 2;
    imageBar.querySelector<HTMLElement>('.progress-fill')!.style.width = `${Math.round(e.imageDone * 100)}%`;
  }
  const image = p.images > 1 ? ` image ${p.image + 1}/${p.images}` : '';
  const step = p.stage === 'denoise' ? ` — step ${p.step}/${p.steps}` : '';
  const batch = p.images > 1 && e.batchDone > 0 ? ` · ${Math.round(e.batchDone * 100)} % of the batch` : '';
  const left = e.etaMs !== undefined ? ` · about ${formatDuration(e.etaMs / 1000)} left` : '';
  const perStep = e.msPerStep !== undefined ? ` (${e.msPerStep < 1000 ? `${Math.round(e.msPerStep)} ms` : `${(e.msPerStep / 1000).toFixed(1)} s`} per step)` : '';
  label.textContent = `${STAGE_LABELS[p.stage]}${image}${step}${batch}${left}${perStep}`;
  root.dataset.stage = p.stage;
  if (e.etaMs !== undefined) root.dataset.etaMs = String(Math.round(e.etaMs));
  else delete root.dataset.etaMs;
}
