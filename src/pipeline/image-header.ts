// Width and height from a PNG, JPEG or WebP header, read before anything is decoded, and the size limit they must meet:
// a 250 KB file can claim 16000×16000 pixels and take gigabytes to decode.
import { base64ToBytes } from './base64';

/** No side over 16384 px and at most 64 megapixels (a 8192×8192 picture): far above what SDXL takes, far below a crash. */
export const MAX_IMAGE_SIDE = 16384;
export const MAX_IMAGE_PIXELS = 64 * 1024 * 1024;
/** The header is near the start; JPEG's frame header can follow up to 64 KB of EXIF, so this much base64 is read. */
const HEADER_BASE64_CHARS = 4 * 65536;

export interface ImageHeader {
  format: 'png' | 'jpeg' | 'webp';
  width: number;
  height: number;
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

function jpegSize(b: Uint8Array): ImageHeader | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) { i++; continue; }
    // SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    i += 2 + u16be(b, i + 2);
  }
  return undefined;
}

function webpSize(b: Uint8Array): ImageHeader | undefined {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X' && b.length >= 30) return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8 ' && b.length >= 30) return { format: 'webp', width: (b[26]! | (b[27]! << 8)) & 0x3fff, height: (b[28]! | (b[29]! << 8)) & 0x3fff };
  return undefined;
}

/** The image's format and size from its first bytes; undefined when they are not a PNG, JPEG or WebP header. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length >= 24 && u32be(bytes, 0) === 0x89504e47 && ascii(bytes, 12, 4) === 'IHDR') {
    return { format: 'png', width: u32be(bytes, 16), height: u32be(bytes, 20) };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegSize(bytes);
  if (bytes.length >= 16 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return webpSize(bytes);
  return undefined;
}

/** The header of a base64 image (or a data: URL), read from its first bytes only; a string says why there is none. */
export function base64ImageHeader(b64: string): ImageHeader | string {
  const body = b64.startsWith('data:') ? b64.slice(b64.indexOf(',') + 1) : b64;
  const prefix = body.replace(/\s+/g, '').slice(0, HEADER_BASE64_CHARS);
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(prefix.slice(0, prefix.length - (prefix.length % 4)));
  } catch {
    return 'it is not base64 data';
  }
  return readImageHeader(bytes) ?? 'it is not a PNG, JPEG or WebP image';
}

/** Why a base64 image must not be decoded (not an image this app reads, or too large), or undefined when it may be. */
export function imageProblem(b64: string): string | undefined {
  const header = base64ImageHeader(b64);
  if (typeof header === 'string') return header;
  const { width, height, format } = header;
  if (width === 0 || height === 0) return `its ${format} header gives a size of ${width}×${height}`;
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    return `it is ${width}×${height} pixels (${format}); images may be at most ${MAX_IMAGE_SIDE} px on a side and ${MAX_IMAGE_PIXELS / (1024 * 1024)} megapixels in all — scale it down first`;
  }
  return undefined;
}

/**
 * Why a mask cannot go with a picture: a different aspect ratio would land misaligned after each is fitted to the
 * output. The same aspect at another size is fine: both go through the same cover-crop.
 */
export function maskMismatch(init: ImageHeader, mask: ImageHeader): string | undefined {
  const slack = 1 / Math.min(init.width, init.height, mask.width, mask.height);
  if (Math.abs(init.width / init.height - mask.width / mask.height) / (init.width / init.height) <= slack) return undefined;
  return `mask_image is ${mask.width}×${mask.height} but init_image is ${init.width}×${init.height}: a mask needs the picture's aspect ratio (best, its size), or it would land misaligned`;
}
