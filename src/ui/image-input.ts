// Bringing a picture in: file picker, drag and drop anywhere on the page, and paste (Ctrl+V); all end as base64.
import { imageProblem } from '../pipeline/image-header';

/** A file or blob as base64 without the data: prefix (the request's image encoding). */
export async function blobToBase64(blob: Blob): Promise<string> {
  const url = await new Promise<string>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
  return url.slice(url.indexOf(',') + 1);
}

/** A base64 image (no data: prefix) as a bitmap to draw. */
export function base64ToBitmap(b64: string): Promise<ImageBitmap> {
  // Checked before decoding: the painter decodes on the main thread, where a huge picture would freeze the page.
  const problem = imageProblem(b64);
  if (problem) return Promise.reject(new Error(`This picture cannot be used: ${problem}.`));
  return createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]));
}

/** The first image among a drop's or a paste's files, if any. */
export function firstImage(data: DataTransfer | null): File | undefined {
  return [...(data?.files ?? [])].find((f) => f.type.startsWith('image/'));
}

/**
 * Calls onImage for every image dropped on `target` or pasted while the page has focus. A paste with no image file
 * (plain text into a prompt) is left alone. `dropTarget` gets a class while an image is dragged over the page.
 */
export function listenForImages(target: HTMLElement, onImage: (b64: string, how: 'drop' | 'paste') => void, onError: (message: string) => void): void {
  let depth = 0;
  const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files');
  target.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    depth++;
    target.classList.add('dragging-image');
  });
  target.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) target.classList.remove('dragging-image');
  });
  target.addEventListener('dragover', (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  target.addEventListener('drop', (e) => {
    depth = 0;
    target.classList.remove('dragging-image');
    if (!e.dataTransfer?.files.length) return;
    e.preventDefault();
    const file = firstImage(e.dataTransfer);
    if (!file) return onError('That is not an image: drop a PNG, JPEG or WebP file.');
    void blobToBase64(file).then((b64) => onImage(b64, 'drop'), () => onError(`Could not read ${file.name}.`));
  });
  document.addEventListener('paste', (e) => {
    const file = firstImage(e.clipboardData);
    if (!file) return;
    e.preventDefault();
    void blobToBase64(file).then((b64) => onImage(b64, 'paste'), () => onError('Could not read the pasted image.'));
  });
}
