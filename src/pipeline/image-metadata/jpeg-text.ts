// JPEG texts: A1111's EXIF UserComment ("UNICODE\0" + UTF-16) in an APP1 Exif segment, and keyword-tagged COM segments.
import { latin1Decode, utf16Decode, utf8Decode, utf8Encode } from './platform-text';

/** Limits on what a dropped file may make the reader do. */
export const JPEG_TEXT_LIMITS = { maxSegments: 256, maxIfdEntries: 256, maxTextBytes: 1 << 20 };
/** A segment's payload is at most 65533 bytes (the length field counts itself). */
const MAX_SEGMENT_DATA = 0xffff - 2;
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
const UNICODE_PREFIX = [0x55, 0x4e, 0x49, 0x43, 0x4f, 0x44, 0x45, 0]; // "UNICODE\0"
const ASCII_PREFIX = [0x41, 0x53, 0x43, 0x49, 0x49, 0, 0, 0]; // "ASCII\0\0\0"
const TAG_EXIF_IFD = 0x8769;
const TAG_USER_COMMENT = 0x9286;

export interface JpegTexts {
  /** The EXIF UserComment (A1111's infotext). */
  userComment?: string;
  /** COM segments written as `keyword\0text`, joined per keyword in file order. */
  comments: Record<string, string>;
}

export const isJpeg = (b: Uint8Array): boolean => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

function segment(marker: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + data.length);
  out[0] = 0xff;
  out[1] = marker;
  new DataView(out.buffer).setUint16(2, data.length + 2);
  out.set(data, 4);
  return out;
}

/** A big-endian ("MM", as piexif writes for A1111) Exif payload: IFD0 → Exif IFD → UserComment, UTF-16BE. */
export function exifUserComment(text: string): Uint8Array {
  const body = new Uint8Array(UNICODE_PREFIX.length + text.length * 2);
  body.set(UNICODE_PREFIX);
  const bv = new DataView(body.buffer);
  for (let i = 0; i < text.length; i++) bv.setUint16(UNICODE_PREFIX.length + i * 2, text.charCodeAt(i));
  // TIFF header (8) + IFD0 with one entry (2 + 12 + 4) + Exif IFD with one entry (2 + 12 + 4), then the comment.
  const ifd0 = 8, exifIfd = ifd0 + 18, value = exifIfd + 18;
  const tiff = new Uint8Array(value + body.length);
  const v = new DataView(tiff.buffer);
  tiff.set([0x4d, 0x4d, 0, 42]);
  v.setUint32(4, ifd0);
  v.setUint16(ifd0, 1);
  v.setUint16(ifd0 + 2, TAG_EXIF_IFD); v.setUint16(ifd0 + 4, 4); v.setUint32(ifd0 + 6, 1); v.setUint32(ifd0 + 10, exifIfd);
  v.setUint32(ifd0 + 14, 0);
  v.setUint16(exifIfd, 1);
  v.setUint16(exifIfd + 2, TAG_USER_COMMENT); v.setUint16(exifIfd + 4, 7); v.setUint32(exifIfd + 6, body.length); v.setUint32(exifIfd + 10, value);
  v.setUint32(exifIfd + 14, 0);
  tiff.set(body, value);
  return new Uint8Array([...EXIF_HEADER, ...tiff]);
}

/**
 * The JPEG with an Exif UserComment (replacing an Exif APP1 it had) and `keyword\0text` COM segments, split when
 * long, placed after SOI and APP0 (JFIF stays first). A comment too long for one APP1 (~32k characters) is left out
 * and reported in `skipped`.
 */
export function withJpegText(jpeg: Uint8Array, userComment: string | undefined, comments: Record<string, string>): { bytes: Uint8Array; skipped: string[] } {
  if (!isJpeg(jpeg)) throw new Error('not a JPEG file (no SOI marker)');
  const skipped: string[] = [];
  const added: Uint8Array[] = [];
  if (userComment !== undefined) {
    const exif = exifUserComment(userComment);
    if (exif.length <= MAX_SEGMENT_DATA) added.push(segment(0xe1, exif)); else skipped.push('EXIF UserComment');
  }
  for (const [keyword, text] of Object.entries(comments)) {
    const head = utf8Encode(`${keyword}\0`);
    const bytes = utf8Encode(text);
    const room = MAX_SEGMENT_DATA - head.length;
    for (let at = 0; at === 0 || at < bytes.length; at += room) added.push(segment(0xfe, new Uint8Array([...head, ...bytes.subarray(at, at + room)])));
  }
  // Keep SOI and a leading APP0; drop an existing Exif APP1 (ours replaces it); the rest stays as it was.
  let at = 2;
  const keepFirst: Uint8Array[] = [jpeg.subarray(0, 2)];
  const view = new DataView(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  if (jpeg[at] === 0xff && jpeg[at + 1] === 0xe0 && at + 4 <= jpeg.length) {
    const end = at + 2 + view.getUint16(at + 2);
    keepFirst.push(jpeg.subarray(at, end));
    at = end;
  }
  if (jpeg[at] === 0xff && jpeg[at + 1] === 0xe1 && at + 10 <= jpeg.length && EXIF_HEADER.every((b, i) => jpeg[at + 4 + i] === b)) {
    at += 2 + view.getUint16(at + 2);
  }
  const parts = [...keepFirst, ...added, jpeg.subarray(at)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return { bytes: out, skipped };
}

/** The UserComment of an Exif payload (after "Exif\0\0"), in either TIFF byte order; undefined when absent. */
export function readExifUserComment(tiff: Uint8Array): string | undefined {
  if (tiff.length < 8) return undefined;
  const le = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!le && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return undefined;
  const v = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const u16 = (o: number) => v.getUint16(o, le);
  const u32 = (o: number) => v.getUint32(o, le);
  /** The entry for `tag` in the IFD at `ifd`: its count and value offset (or inline value). */
  const find = (ifd: number, tag: number): { count: number; at: number } | undefined => {
    if (ifd + 2 > tiff.length) return undefined;
    const n = Math.min(u16(ifd), JPEG_TEXT_LIMITS.maxIfdEntries);
    for (let i = 0; i < n; i++) {
      const e = ifd + 2 + i * 12;
      if (e + 12 > tiff.length) return undefined;
      if (u16(e) === tag) return { count: u32(e + 4), at: u32(e + 8) };
    }
    return undefined;
  };
  const exif = find(u32(4), TAG_EXIF_IFD);
  const comment = exif && find(exif.at, TAG_USER_COMMENT);
  if (!comment || comment.count < 8 || comment.count > JPEG_TEXT_LIMITS.maxTextBytes || comment.at + comment.count > tiff.length) return undefined;
  const raw = tiff.subarray(comment.at, comment.at + comment.count);
  const prefix = (p: number[]) => p.every((b, i) => raw[i] === b);
  const body = raw.subarray(8);
  if (prefix(UNICODE_PREFIX)) {
    // A byte-order mark wins; otherwise the TIFF's byte order (piexif: big-endian throughout).
    if (body[0] === 0xfe && body[1] === 0xff) return utf16Decode(body.subarray(2), false);
    if (body[0] === 0xff && body[1] === 0xfe) return utf16Decode(body.subarray(2), true);
    return utf16Decode(body, le);
  }
  if (prefix(ASCII_PREFIX)) return latin1Decode(body).replace(/\0+$/, '');
  return utf8Decode(body).replace(/\0+$/, '');
}

/** Reads the Exif UserComment and the keyword COM segments, walking only the segments before the image data. */
export function readJpegText(jpeg: Uint8Array): JpegTexts {
  if (!isJpeg(jpeg)) throw new Error('not a JPEG file (no SOI marker)');
  const view = new DataView(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  // Null-prototype maps: keywords come from the file ("__proto__" is just a keyword).
  const out: JpegTexts = { comments: Object.create(null) as Record<string, string> };
  let total = 0;
  let at = 2;
  for (let n = 0; at + 4 <= jpeg.length; n++) {
    if (n >= JPEG_TEXT_LIMITS.maxSegments) throw new Error(`JPEG has more than ${JPEG_TEXT_LIMITS.maxSegments} segments before its image data`);
    if (jpeg[at] !== 0xff) throw new Error('JPEG segment does not start with a marker');
    const marker = jpeg[at + 1]!;
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image: no more metadata
    const length = view.getUint16(at + 2);
    if (length < 2 || at + 2 + length > jpeg.length) throw new Error('JPEG segment runs past the end of the file');
    const data = jpeg.subarray(at + 4, at + 2 + length);
    if (marker === 0xe1 && out.userComment === undefined && EXIF_HEADER.every((b, i) => data[i] === b)) {
      out.userComment = readExifUserComment(data.subarray(6));
    } else if (marker === 0xfe) {
      const nul = data.indexOf(0);
      total += data.length;
      if (total > JPEG_TEXT_LIMITS.maxTextBytes) throw new Error(`JPEG comments are larger than ${JPEG_TEXT_LIMITS.maxTextBytes} bytes`);
      if (nul > 0 && nul < 80) {
        const keyword = latin1Decode(data.subarray(0, nul));
        out.comments[keyword] = (out.comments[keyword] ?? '') + latin1Decode(data.subarray(nul + 1));
      }
    }
    at += 2 + length;
  }
  // COM texts were joined as bytes (Latin-1 keeps them 1:1); decode each as UTF-8 once whole.
  for (const k of Object.keys(out.comments)) out.comments[k] = utf8Decode(Uint8Array.from(out.comments[k]!, (c) => c.charCodeAt(0)));
  return out;
}
