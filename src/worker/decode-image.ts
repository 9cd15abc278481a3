// Request images (base64 PNG/JPEG/WebP) → RGBA at the request's size: scaled to cover it, then centre-cropped.
import { base64ToBytes } from '../pipeline/base64';
import type { RgbaImage } from '../pipeline/image-tensors';

export async function decodeImage(b64: string, width: number, height: number): Promise<RgbaImage> {
  const bytes = base64ToBytes(b64);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  } catch {
    throw new Error('the data is not a PNG, JPEG or WebP image this browser can decode');
  }
  // Cover: scale so the image fills width × height, then crop the overflow equally on both sides.
  const scale = Math.max(width / bitmap.width, height / bitmap.height);
  const srcW = width / scale;
  const srcH = height / scale;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, (bitmap.width - srcW) / 2, (bitmap.height - srcH) / 2, srcW, srcH, 0, 0, width, height);
  bitmap.close();
  return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
}
