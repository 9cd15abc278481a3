// What the page lends the gallery (GalleryActions), and the actions on one stored result built on it.
import type { GalleryEntry } from '../gallery';
import type { RequestDraft } from '../request-form';
import type { LightboxAction } from './lightbox';

/** The page's side of the gallery: main.ts wires these to the draft, the image modes and generation. */
export interface GalleryActions {
  draft(): RequestDraft;
  setDraft(draft: RequestDraft): void;
  /** Makes `imageB64` the init image of the given mode (switching to it). */
  takeImage(imageB64: string, mode: 'img2img' | 'inpaint' | 'outpaint'): void;
  generate(request: RequestDraft): Promise<unknown>;
  status(text: string, kind?: 'info' | 'error' | 'ok'): void;
  /** Results the gallery deleted for good (the page drops them from its recent cards). */
  removed(keys: readonly number[]): void;
}

/** The request as it was, without what the page adds per run. */
const requestOf = (entry: GalleryEntry): RequestDraft => structuredClone(entry.request);

/** The JSON "Copy JSON" puts on the clipboard: the request with this image's seed, and what made it. */
export function entryJson(entry: GalleryEntry, index: number): string {
  const image = entry.response.images[index]!;
  return JSON.stringify({ request: { ...requestOf(entry), seed: image.seed, num_images: 1 }, model: entry.modelId ?? null, created_at: new Date(entry.createdAt).toISOString(), latency_ms: entry.response.latency_ms }, null, 2);
}

export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function entryActions(page: GalleryActions, close: () => void, download: (entry: GalleryEntry, index: number) => void): LightboxAction[] {
  const send = (mode: 'img2img' | 'inpaint' | 'outpaint', text: string) => (entry: GalleryEntry, index: number) => {
    page.takeImage(entry.response.images[index]!.image_b64, mode);
    close();
    page.status(text, 'ok');
  };
  return [
    { label: 'Reuse request', testid: 'reuse-request', title: 'Put this request in the form', run: (entry) => {
      page.setDraft(requestOf(entry));
      close();
      page.status('The request is back in the form.', 'ok');
    } },
    { label: 'Reuse seed', testid: 'reuse-seed', title: 'Use this image’s seed in the current request', run: (entry, index) => {
      page.setDraft({ ...page.draft(), seed: entry.response.images[index]!.seed, num_images: 1 });
      page.status(`Seed ${entry.response.images[index]!.seed} is in the form.`, 'ok');
    } },
    { label: 'Variations', testid: 'variations', title: 'Generate this request again with new seeds', run: (entry) => {
      const request = requestOf(entry);
      delete request.seed;
      close();
      void page.generate(request).catch(() => undefined);
    } },
    { label: 'Send to image-to-image', testid: 'send-img2img', title: 'Start image-to-image from this image', run: send('img2img', 'The image is the init image (image to image).') },
    { label: 'Inpaint', testid: 'send-inpaint', title: 'Paint over part of this image and repaint it', run: send('inpaint', 'The image is in the painter: paint the area to repaint.') },
    { label: 'Outpaint', testid: 'send-outpaint', title: 'Extend this image beyond its edges', run: send('outpaint', 'The image is ready to extend.') },
    { label: 'Copy JSON', testid: 'copy-json', title: 'Copy the request (with this seed) as JSON', run: (entry, index) => {
      void navigator.clipboard.writeText(entryJson(entry, index)).then(
        () => page.status('The request JSON is on the clipboard.', 'ok'),
        (e: unknown) => page.status(`Could not copy: ${e instanceof Error ? e.message : String(e)}`, 'error'),
      );
    } },
    { label: 'Download', testid: 'lightbox-download', title: 'Download this image', run: download },
  ];
}
