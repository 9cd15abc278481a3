// JPEG texts: EXIF UserComment as A1111 writes it (piexif: "MM", "UNICODE\0" + UTF-16BE) and as little-endian tools
// do, COM segments split and joined, the JFIF segment kept first, libvips still decoding, hostile files refused.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { JPEG_TEXT_LIMITS, exifUserComment, readExifUserComment, readJpegText, withJpegText } from '../../src/pipeline/image-metadata/jpeg-text';
import { readImageTexts, withImageTexts } from '../../src/pipeline/image-metadata/image-texts';

/** An 8×8 JPEG with a JFIF APP0 segment first (as the browser's canvas writes; mozjpeg leaves it out). */
async function tinyJpeg(): Promise<Uint8Array> {
  const j = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).jpeg().toBuffer());
  const jfif = [0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  return new Uint8Array([...j.subarray(0, 2), ...jfif, ...j.subarray(2)]);
}
const markers = (j: Uint8Array) => {
  const out: string[] = [];
  for (let at = 2; at + 4 <= j.length && j[at + 1] !== 0xda; at += 2 + ((j[at + 2]! << 8) | j[at + 3]!)) out.push(j[at + 1]!.toString(16));
  return out;
};
/** A little-endian ("II") Exif payload with a UTF-16LE UNICODE comment, as other tools write it. */
function littleEndianExif(text: string): Uint8Array {
  const body = [...'UNICODE\0'].map((c) => c.charCodeAt(0));
  for (const c of text) { const u = c.charCodeAt(0); body.push(u & 0xff, u >> 8); }
  const t = new Uint8Array(8 + 18 + 18 + body.length);
  const v = new DataView(t.buffer);
  t.set([0x49, 0x49, 42, 0]); v.setUint32(4, 8, true);
  v.setUint16(8, 1, true); v.setUint16(10, 0x8769, true); v.setUint16(12, 4, true); v.setUint32(14, 1, true); v.setUint32(18, 26, true);
  v.setUint16(26, 1, true); v.setUint16(28, 0x9286, true); v.setUint16(30, 7, true); v.setUint32(32, body.length, true); v.setUint32(36, 44, true);
  t.set(body, 44);
  return t;
}

describe('EXIF UserComment', () => {
  it('writes the exact piexif layout A1111 reads, and reads it back', () => {
    const exif = exifUserComment('hi');
    expect([...exif]).toEqual([
      0x45, 0x78, 0x69, 0x66, 0, 0, 0x4d, 0x4d, 0, 42, 0, 0, 0, 8, // Exif\0\0 MM 42 → IFD0 at 8
      0, 1, 0x87, 0x69, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0, // IFD0: ExifIFD pointer (LONG) → 26
      0, 1, 0x92, 0x86, 0, 7, 0, 0, 0, 12, 0, 0, 0, 44, 0, 0, 0, 0, // Exif IFD: UserComment (UNDEFINED, 12 bytes) at 44
      0x55, 0x4e, 0x49, 0x43, 0x4f, 0x44, 0x45, 0, 0, 0x68, 0, 0x69, // UNICODE\0 "hi" in UTF-16BE
    ]);
    expect(readExifUserComment(exif.subarray(6))).toBe('hi');
  });

  it('reads little-endian TIFF with UTF-16LE text, and ASCII comments; absent or broken gives undefined', () => {
    expect(readExifUserComment(littleEndianExif('prompt, é 猫\nSteps: 4'))).toBe('prompt, é 猫\nSteps: 4');
    const ascii = exifUserComment('x');
    ascii.set([...'ASCII\0\0\0'].map((c) => c.charCodeAt(0)), 50);
    ascii.set([0x6f, 0x6b], 58);
    expect(readExifUserComment(ascii.subarray(6, 60))).toBe('ok');
    expect(readExifUserComment(new Uint8Array([0x4d, 0x4d, 0, 42, 0, 0, 0, 8]))).toBeUndefined();
    const lying = exifUserComment('abc');
    lying[6 + 26 + 6 + 3] = 0xff; // count far past the end
    expect(readExifUserComment(lying.subarray(6))).toBeUndefined();
  });
});

describe('withJpegText / readJpegText', () => {
  it('keeps JFIF first, adds APP1 Exif and COM, replaces an old Exif; libvips decodes it and sees the Exif', async () => {
    const jpeg = await tinyJpeg();
    expect(markers(jpeg)[0]).toBe('e0');
    const long = `{"prompt":"${'ü'.repeat(70_000)}"}`;
    const once = withJpegText(jpeg, 'first', { 'octoai-request': long }).bytes;
    const { bytes, skipped } = withJpegText(once, 'a cat, 猫 BREAK <lora:x:0.5>\nSteps: 4', {});
    expect(skipped).toEqual([]);
    expect(markers(once).slice(0, 5)).toEqual(['e0', 'e1', 'fe', 'fe', 'fe']); // 140 kB of UTF-8 in three COM segments
    expect(markers(bytes).filter((m) => m === 'e1')).toHaveLength(1);
    const read = readJpegText(bytes);
    expect(read.userComment).toBe('a cat, 猫 BREAK <lora:x:0.5>\nSteps: 4');
    expect(read.comments['octoai-request']).toBe(long);
    const meta = await sharp(Buffer.from(bytes)).metadata();
    expect([meta.format, meta.width, meta.exif?.subarray(0, 8).toString('latin1')]).toEqual(['jpeg', 8, 'Exif\0\0MM']);
    expect((await sharp(Buffer.from(bytes)).raw().toBuffer()).equals(await sharp(Buffer.from(jpeg)).raw().toBuffer())).toBe(true);
  });

  it('leaves out (and names) a UserComment too long for one segment', async () => {
    const { bytes, skipped } = withImageTexts(await tinyJpeg(), { parameters: 'x'.repeat(40_000), 'octoai-request': '{}' });
    expect(skipped).toEqual(['EXIF UserComment']);
    expect((await readImageTexts(bytes))!.texts).toEqual({ 'octoai-request': '{}' });
  });

  it('refuses broken or hostile files with a clear message', async () => {
    const jpeg = await tinyJpeg();
    expect(() => readJpegText(new Uint8Array([1, 2, 3]))).toThrow(/not a JPEG/);
    const cut = withJpegText(jpeg, 'x', {}).bytes.subarray(0, 30);
    expect(() => readJpegText(cut)).toThrow(/past the end/);
    const many = new Uint8Array([0xff, 0xd8, ...Array.from({ length: JPEG_TEXT_LIMITS.maxSegments + 1 }, () => [0xff, 0xfe, 0, 3, 0x61]).flat()]);
    expect(() => readJpegText(many)).toThrow(/more than 256 segments/);
  });
});
