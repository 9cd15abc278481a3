// The generation progress bar: stage, image i/n and UNet step i/N.
import type { ProgressEvent } from '../worker/protocol';

const STAGE_LABELS = { session: 'Preparing the text encoders', encode_prompt: 'Encoding prompt', denoise: 'Denoising', decode: 'Decoding' } as const;

export function showProgress(root: HTMLElement, p: ProgressEvent | undefined): void {
  root.hidden = p === undefined;
  if (!p) return;
  const fill = root.querySelector<HTMLElement>('.progress-fill')!;
  const label = root.querySelector<HTMLElement>('.progress-label')!;
  const perImage = p.steps > 0 ? p.step / p.steps : 0;
  const done = p.stage === 'encode_prompt' || p.stage === 'session' ? 0 : (p.image + perImage * 0.95 + (p.stage === 'decode' ? 0.05 : 0)) / p.images;
  fill.style.width = `${Math.round(done * 100)}%`;
  const image = p.images > 1 ? ` image ${p.image + 1}/${p.images}` : '';
  const step = p.stage === 'denoise' ? ` — step ${p.step}/${p.steps}` : '';
  label.textContent = `${STAGE_LABELS[p.stage]}${image}${step}`;
  root.dataset.stage = p.stage;
}
