// Result cards: the image, its seed and size, and a download button; newest first.
import type { GenerateResponse } from '../schema/response';
import { attachCompare } from './compare-view';
import { smallButton } from './dom';
import type { RequestDraft } from './request-form';

export interface GalleryEntry {
  response: GenerateResponse;
  request: RequestDraft;
  createdAt: number;
  /** The model that made it (its record id, or the name it was loaded by). */
  modelId?: string;
  /** Why this result is not stored (it is shown all the same, marked, with a way to free space and retry). */
  notSaved?: string;
}

export interface ResultCardActions {
  reuseSeed(seed: number): void;
  /** Sends a result back as the next init image (image-to-image / inpainting). */
  useAsInit(imageB64: string): void;
  /** Tries to store a result that could not be stored. */
  retrySave(entry: GalleryEntry): void;
  /** Frees space by deleting the oldest stored results, then retries. */
  deleteOldest(entry: GalleryEntry): void;
}

/** The mark on a result that is shown but not stored: the reason, and what the user can do about it. */
function notSavedNote(entry: GalleryEntry, actions: ResultCardActions): HTMLElement {
  const note = document.createElement('div');
  note.className = 'not-saved';
  note.dataset.testid = 'not-saved';
  note.setAttribute('role', 'alert');
  const text = document.createElement('span');
  text.textContent = `Not saved — ${entry.notSaved}. It is shown here but will be gone after a reload: download it, or free space and retry.`;
  const models = document.createElement('a');
  models.href = '#device-models';
  models.className = 'button-small';
  models.textContent = 'Models on this device';
  models.title = 'Stored models take the most space: delete one you do not use';
  note.append(
    text,
    smallButton('Retry', 'Store this result now', 'retry-save', () => actions.retrySave(entry)),
    smallButton('Delete oldest results', 'Delete the 5 oldest stored results to make room, then retry', 'delete-oldest', () => actions.deleteOldest(entry)),
    models,
  );
  return note;
}

export function renderGallery(container: HTMLElement, entries: readonly GalleryEntry[], actions: ResultCardActions): void {
  if (entries.length === 0 && !container.querySelector('.batch')) return;
  container.replaceChildren();
  for (const entry of entries) {
    const format = entry.request.image_encoding === 'jpeg' ? 'jpeg' : 'png';
    const batch = document.createElement('div');
    batch.className = 'batch';
    const meta = document.createElement('div');
    meta.className = 'batch-meta';
    const prompt = typeof entry.request.prompt === 'string' ? entry.request.prompt : '';
    meta.textContent = `${prompt.slice(0, 120) || '(empty prompt)'} · ${entry.response.latency_ms} ms`;
    batch.append(meta);
    if (entry.notSaved) batch.append(notSavedNote(entry, actions));
    const grid = document.createElement('div');
    grid.className = 'batch-images';
    entry.response.images.forEach((img, i) => {
      const card = document.createElement('figure');
      card.className = 'result';
      card.dataset.testid = 'result';
      const image = document.createElement('img');
      image.src = `data:image/${format};base64,${img.image_b64}`;
      image.alt = `Generated image ${i + 1}, seed ${img.seed}`;
      image.width = img.width;
      image.height = img.height;
      image.dataset.seed = String(img.seed);
      image.className = 'result-image';
      const caption = document.createElement('figcaption');
      const seed = document.createElement('button');
      seed.type = 'button';
      seed.className = 'link';
      seed.textContent = `seed ${img.seed}`;
      seed.title = 'Use this seed';
      seed.addEventListener('click', () => actions.reuseSeed(img.seed));
      const size = document.createElement('span');
      size.textContent = `${img.width}×${img.height}`;
      const download = document.createElement('a');
      download.className = 'button-small';
      download.href = image.src;
      download.download = `sdxl-${img.seed}.${format === 'jpeg' ? 'jpg' : 'png'}`;
      download.textContent = 'Download';
      const reuse = smallButton('Use as init', 'Use this image as the init image (image-to-image, inpainting)', 'use-as-init', () => actions.useAsInit(img.image_b64));
      caption.append(seed, size, reuse);
      card.append(image, caption);
      // Inpainting and outpainting results can be compared with the picture they started from.
      const init = entry.request.init_image;
      if (typeof init === 'string' && entry.request.mask_image !== undefined) {
        const toggle = attachCompare(image, `data:image/png;base64,${init.replace(/^data:[^,]*,/, '')}`);
        const compare = smallButton('Compare', 'Before / after: drag the slider over the image', 'compare', () => compare.classList.toggle('active', toggle()));
        caption.append(compare);
      }
      caption.append(download);
      grid.append(card);
    });
    batch.append(grid);
    container.append(batch);
  }
}
