// The image side of the draft: the mode bar, the drop zone, the mask painter and the outpaint panel, all following
// the draft store (init_image, mask_image, outpainting) and writing their changes back to it.
import type { SizeRule } from '../../schema/sizes';
import { blobToBase64 } from '../image-input';
import { createModeBar } from '../mode-bar';
import { modeOf, switchMode, type Mode, type ModeStash } from '../modes';
import { createOutpaintPanel } from '../outpaint/outpaint-panel';
import { createPainterView } from '../painter/painter-view';
import type { RequestDraft } from '../request-form';
import type { DraftStore } from './draft-store';

export interface ImageViewElements {
  modeBar: HTMLElement;
  zone: HTMLElement;
  zoneText: HTMLElement;
  pick: HTMLButtonElement;
  file: HTMLInputElement;
  painter: HTMLElement;
  outpaint: HTMLElement;
  form: HTMLFormElement;
}

export interface ImageViews {
  /** A picture brought in (a file picked here, a drop or paste the page hands over, or a result): the init image of the current image mode, or of `as`. */
  takeImage(b64: string, from: 'user' | 'result', as?: Exclude<Mode, 'txt2img'>): void;
  /** The paste-back feather radius the painter's toolbar holds. */
  maskBlur(): number;
  /** The loaded model changed: the outpaint panel snaps to its sizes again. */
  modelChanged(): void;
}

const withoutPrefix = (image: unknown) => (typeof image === 'string' ? image.replace(/^data:[^,]*,/, '') : undefined);

export function createImageViews(
  el: ImageViewElements,
  store: DraftStore,
  sizeRule: () => SizeRule,
  onError: (message: string) => void,
): ImageViews {
  // The mode the user picked: it can run ahead of the request while its picture or mask is still to come.
  let mode: Mode = 'txt2img';
  let stash: ModeStash = {};

  const modeBar = createModeBar(el.modeBar, (picked) => {
    const r = switchMode(store.get(), picked, stash);
    stash = r.stash;
    mode = picked;
    store.set(r.draft, 'mode');
  });

  const painter = createPainterView(el.painter, (maskB64) => store.update({ mask_image: maskB64 }, 'painter'));

  const outpaint = createOutpaintPanel(el.outpaint, sizeRule, (result) => {
    void painter.setImage(result.init_image, result.mask);
    // The painter hands in the new area's mask.
    store.update({ init_image: result.init_image, width: result.width, height: result.height, outpainting: true, mask_image: undefined }, 'outpaint');
  });

  // A new init image: the painter shows it, and (unless the outpaint panel made it) the outpaint panel extends it next.
  store.select((d) => d.init_image, (image, origin) => {
    if (origin === 'outpaint') return; // already on the painter, with its mask
    const init = withoutPrefix(image);
    void outpaint.setSource(init).catch(() => undefined);
    void painter.setImage(init).catch(() => onError('The init image could not be shown: is it a PNG, JPEG or WebP?'));
  });

  const show = (draft: Readonly<RequestDraft>) => {
    const read = modeOf(draft);
    const waiting = (mode !== 'txt2img' && read === 'txt2img') || (mode === 'inpaint' && read === 'img2img');
    if (!waiting) mode = read;
    modeBar.show(mode);
    el.zone.hidden = mode === 'txt2img';
    el.zoneText.textContent = draft.init_image === undefined
      ? 'Drop a picture here or anywhere on the page, paste one (Ctrl+V), or'
      : 'Replace the picture: drop or paste another, or';
    outpaint.show(mode === 'outpaint');
    if (mode !== 'txt2img') el.form.querySelector('details[data-group="image"]')?.setAttribute('open', '');
  };
  store.subscribe(show);
  show(store.get());
  const first = withoutPrefix(store.get().init_image);
  if (first !== undefined) {
    void outpaint.setSource(first).catch(() => undefined);
    void painter.setImage(first).catch(() => onError('The init image could not be shown: is it a PNG, JPEG or WebP?'));
  }

  const takeImage = (b64: string, from: 'user' | 'result', as?: Exclude<Mode, 'txt2img'>) => {
    if (as) mode = as;
    const draft: RequestDraft = { ...store.get(), init_image: b64 };
    // Inpainting a result again keeps the painted mask (same size); a new picture starts without one.
    if (!(from === 'result' && mode === 'inpaint')) delete draft.mask_image;
    if (mode === 'outpaint') draft.outpainting = true;
    else delete draft.outpainting;
    if (mode === 'txt2img') mode = 'img2img';
    store.set(draft, 'image');
  };

  el.pick.addEventListener('click', () => el.file.click());
  el.file.addEventListener('change', () => {
    const file = el.file.files?.[0];
    if (file) void blobToBase64(file).then((b64) => takeImage(b64, 'user'));
    el.file.value = '';
  });

  return { takeImage, maskBlur: () => painter.maskBlur(), modelChanged: () => outpaint.refresh() };
}
