// A dropped or pasted picture that carries a request (ours, Automatic1111's, ComfyUI's) restores it into the form;
// a notice names what could not be mapped and offers the picture as the init image instead. Plain pictures stay init images.
import { base64ToBytes } from '../pipeline/base64';
import { readImageTexts } from '../pipeline/image-metadata/image-texts';
import { carriedRequest, type CarriedSource } from '../schema/image-request';
import type { RequestDraft } from './request-form';

export interface MetadataDropDeps {
  /** Where the notice goes (it is inserted after this element). */
  after: HTMLElement;
  getDraft(): RequestDraft;
  setDraft(draft: RequestDraft): void;
  /** Today's behaviour: the picture becomes the init image. */
  takeImage(b64: string): void;
  setStatus(text: string, kind: 'info' | 'error' | 'ok'): void;
}

const SOURCE_NAMES: Record<CarriedSource, string> = {
  'sdxl-lightning-web': 'an image made here', Automatic1111: 'an Automatic1111 image', ComfyUI: 'a ComfyUI image',
};

/** The handler for a brought-in picture (base64): restore its request, or take it as the init image. */
export function createMetadataDrop(deps: MetadataDropDeps): (b64: string) => Promise<void> {
  const notice = document.createElement('div');
  notice.className = 'restore-notice';
  notice.setAttribute('role', 'status');
  notice.dataset.testid = 'restore-notice';
  notice.hidden = true;
  const text = document.createElement('p');
  text.dataset.testid = 'restore-text';
  const useAsInit = document.createElement('button');
  useAsInit.type = 'button';
  useAsInit.className = 'button-small';
  useAsInit.textContent = 'Use as init image instead';
  useAsInit.dataset.testid = 'restore-use-as-init';
  const dismiss = document.createElement('button');
  dismiss.type = 'button';
  dismiss.className = 'button-small';
  dismiss.textContent = 'Keep the request';
  dismiss.addEventListener('click', () => { notice.hidden = true; });
  notice.append(text, useAsInit, ' ', dismiss);
  deps.after.after(notice);
  let undo: (() => void) | undefined;
  useAsInit.addEventListener('click', () => {
    notice.hidden = true;
    undo?.();
  });

  return async (b64) => {
    notice.hidden = true;
    let carried;
    try {
      const texts = await readImageTexts(base64ToBytes(b64));
      carried = texts && carriedRequest(texts.texts);
    } catch (e) {
      deps.takeImage(b64);
      deps.setStatus(`The picture's settings could not be read (${e instanceof Error ? e.message : String(e)}); it is the init image now.`, 'error');
      return;
    }
    if (!carried) return deps.takeImage(b64);
    const before = deps.getDraft();
    deps.setDraft(carried.request);
    // Nothing the user made is lost: "instead" puts the earlier draft back before taking the picture.
    undo = () => {
      deps.setDraft(before);
      deps.takeImage(b64);
      deps.setStatus('The picture is the init image; the request is as it was.', 'info');
    };
    const missing = carried.unmapped.length > 0 ? `; not mapped: ${carried.unmapped.join('; ')}` : '';
    text.textContent = `Restored the request from ${SOURCE_NAMES[carried.source]}${missing}.`;
    notice.hidden = false;
    deps.setStatus(`Restored the request from ${SOURCE_NAMES[carried.source]}.`, 'ok');
  };
}
