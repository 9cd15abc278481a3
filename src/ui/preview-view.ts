// The live preview in the result slot: each step's x₀ (a latent-size RGB picture from the worker) drawn scaled up on
// a canvas where the image will appear, until the run ends. data-frames counts the frames drawn in this run.
import type { ProgressEvent } from '../worker/protocol';

export interface PreviewView {
  /** Draws the event's preview, if it carries one. */
  show(p: ProgressEvent): void;
  /** The run is over (image shown, failed or cancelled): the preview goes. */
  hide(): void;
}

export function createPreviewView(root: HTMLElement): PreviewView {
  const canvas = root.querySelector('canvas')!;
  const caption = root.querySelector('figcaption')!;
  const context = canvas.getContext('2d');
  let frames = 0;
  return {
    show(p) {
      if (!p.preview || !context) return;
      const { rgba, width, height } = p.preview;
      if (frames === 0) root.hidden = false;
      if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
      context.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer as ArrayBuffer, rgba.byteOffset, rgba.length), width, height), 0, 0);
      frames++;
      root.dataset.frames = String(frames);
      root.dataset.image = String(p.image);
      root.dataset.step = String(p.step);
      const image = p.images > 1 ? `image ${p.image + 1}/${p.images}, ` : '';
      caption.textContent = `Preview — ${image}step ${p.step}/${p.steps} (a rough look at where the image is heading)`;
    },
    hide() {
      root.hidden = true;
      frames = 0;
    },
  };
}
