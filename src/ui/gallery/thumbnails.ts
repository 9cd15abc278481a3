// Thumbnails for the gallery: a result's image scaled down in the browser (createImageBitmap + OffscreenCanvas) to WebP.

/** Longest side of a thumbnail (px): sharp on a 2× screen in cells of about 160 px. */
export const THUMB_SIZE = 256;

/** The size a thumbnail of a width × height image gets: the longest side at most `max`, never enlarged. */
export function thumbSize(width: number, height: number, max = THUMB_SIZE): [number, number] {
  const scale = Math.min(1, max / Math.max(width, height));
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

/** Decodes base64 (plain or a data: URL) to bytes. */
export function base64Bytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64.replace(/^data:[^,]*,/, ''));
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/** A small WebP (JPEG where WebP encoding is missing) of a base64 PNG/JPEG image. */
export async function makeThumbnail(imageB64: string): Promise<Blob> {
  const bitmap = await createImageBitmap(new Blob([base64Bytes(imageB64)]));
  try {
    const [w, h] = thumbSize(bitmap.width, bitmap.height);
    const canvas = new OffscreenCanvas(w, h);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas for thumbnails');
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, w, h);
    const blob = await canvas.convertToBlob({ type: 'image/webp', quality: 0.8 });
    return blob.type === 'image/webp' ? blob : canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
  } finally {
    bitmap.close();
  }
}
