// Request and response images in Node with sharp (libvips): PNG/JPEG/WebP in, scaled to cover and centre-cropped as
// the browser's canvas does; PNG or JPEG (quality 92, the browser's default) out.
import sharp from 'sharp';
import { base64ToBytes } from '../pipeline/base64';
import type { RgbaImage } from '../pipeline/image-tensors';

export async function encodeImageNode(rgba: Uint8ClampedArray, width: number, height: number, format: 'png' | 'jpeg'): Promise<Uint8Array> {
  const img = sharp(Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength), { raw: { width, height, channels: 4 } });
  const out = format === 'png' ? img.png() : img.jpeg({ quality: 92 });
  return new Uint8Array(await out.toBuffer());
}

export async function decodeImageNode(b64: string, width: number, height: number): Promise<RgbaImage> {
  let img = sharp(Buffer.from(base64ToBytes(b64)), { failOn: 'error' });
  const meta = await img.metadata().catch(() => undefined);
  if (!meta?.width || !meta.height || !['png', 'jpeg', 'webp'].includes(meta.format ?? '')) throw new Error('the data is not a PNG, JPEG or WebP image');
  // Same size: the pixels as they are (no resampling pass at all).
  if (meta.width !== width || meta.height !== height) img = img.resize(width, height, { fit: 'cover', position: 'centre' });
  const { data } = await img.ensureAlpha().raw().toBuffer({ resolveWithObject: true }).catch((e: unknown) => {
    throw new Error(`the image could not be decoded (${e instanceof Error ? e.message : String(e)})`);
  });
  return { rgba: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width, height };
}
