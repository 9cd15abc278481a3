// The four modes (text to image, image to image, inpaint, outpaint) as nothing but fields of one request, DOM-free:
// which mode a request is in, and how switching sets fields without losing the images the user brought.
import type { RequestDraft } from './request-form';

export type Mode = 'txt2img' | 'img2img' | 'inpaint' | 'outpaint';

export const MODES: { id: Mode; label: string; title: string }[] = [
  { id: 'txt2img', label: 'Text', title: 'Text to image' },
  { id: 'img2img', label: 'Image', title: 'Image to image: start from a picture (init_image, strength)' },
  { id: 'inpaint', label: 'Inpaint', title: 'Repaint a painted area of a picture (mask_image)' },
  { id: 'outpaint', label: 'Outpaint', title: 'Extend a picture beyond its edges (outpainting)' },
];

/** Image fields put aside when a mode does not use them, so switching back brings them back. */
export type ModeStash = Partial<Record<'init_image' | 'mask_image' | 'strength' | (typeof FULL_RES)[number], unknown>>;

/** "Inpaint only masked" belongs to the Inpaint mode alone (it needs a mask and does not combine with outpainting). */
const FULL_RES = ['inpaint_full_res', 'inpaint_full_res_padding'] as const;

/** The mode a request is in, read from its fields alone. */
export function modeOf(draft: RequestDraft): Mode {
  if (draft.init_image === undefined) return 'txt2img';
  if (draft.outpainting === true) return 'outpaint';
  return draft.mask_image === undefined ? 'img2img' : 'inpaint';
}

const take = (draft: RequestDraft, stash: ModeStash, fields: (keyof ModeStash)[]) => {
  for (const f of fields) {
    if (draft[f] !== undefined) stash[f] = draft[f];
    delete draft[f];
  }
};
const restore = (draft: RequestDraft, stash: ModeStash, fields: (keyof ModeStash)[]) => {
  for (const f of fields) {
    if (draft[f] === undefined && stash[f] !== undefined) draft[f] = stash[f];
    delete stash[f];
  }
};

/** Sets the fields of `mode` on a copy of the request; what the mode does not use moves into the stash. */
export function switchMode(current: RequestDraft, mode: Mode, stash: ModeStash): { draft: RequestDraft; stash: ModeStash } {
  const draft = { ...current };
  const kept = { ...stash };
  delete draft.outpainting;
  if (mode === 'txt2img') take(draft, kept, ['init_image', 'mask_image', 'strength', ...FULL_RES]);
  else if (mode === 'img2img') {
    restore(draft, kept, ['init_image', 'strength']);
    take(draft, kept, ['mask_image', ...FULL_RES]);
  } else if (mode === 'inpaint') {
    restore(draft, kept, ['init_image', 'mask_image', 'strength', ...FULL_RES]);
  } else {
    restore(draft, kept, ['init_image', 'mask_image', 'strength']);
    take(draft, kept, [...FULL_RES]);
    if (draft.init_image !== undefined) draft.outpainting = true;
  }
  return { draft, stash: kept };
}
