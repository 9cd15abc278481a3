// PNG text chunks: add tEXt (Latin-1) or iTXt (UTF-8) chunks before the image data, and read tEXt/iTXt/zTXt back, bounded.
import { crc32 } from './crc32';
import { inflate as inflateBytes, latin1Decode, utf8Decode, utf8Encode } from './platform-text';

export interface TextChunk { keyword: string; text: string }

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Limits on what a dropped file may make the reader do. */
export const PNG_TEXT_LIMITS = { maxChunks: 10_000, maxTextChunks: 64, maxTextBytes: 1 << 20 };

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const isAscii = (s: string) => [...s].every((c) => c.charCodeAt(0) <= 0x7f);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  const typeBytes = latin1(type);
  view.setUint32(0, data.length);
  out.set(typeBytes, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(typeBytes, data));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * The chunk for one text: tEXt when the text is ASCII, else uncompressed iTXt (UTF-8, no language tag). Not tEXt for
 * all Latin-1: some readers (libvips) take tEXt as UTF-8, and every reader agrees on ASCII and on iTXt.
 */
export function textChunk({ keyword, text }: TextChunk): Uint8Array {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || keyword !== keyword.trim()) throw new Error(`invalid PNG text keyword "${keyword}"`);
  if (isAscii(text)) return chunk('tEXt', concat([latin1(keyword), new Uint8Array([0]), latin1(text)]));
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, UTF-8 text.
  return chunk('iTXt', concat([latin1(keyword), new Uint8Array([0, 0, 0, 0, 0]), utf8Encode(text)]));
}

interface RawChunk { type: string; start: number; dataStart: number; length: number }

function* chunks(png: Uint8Array): Generator<RawChunk> {
  if (!isPng(png)) throw new Error('not a PNG file (bad signature)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  for (let n = 0; at + 12 <= png.length; n++) {
    if (n >= PNG_TEXT_LIMITS.maxChunks) throw new Error(`PNG has more than ${PNG_TEXT_LIMITS.maxChunks} chunks`);
    const length = view.getUint32(at);
    if (at + 12 + length > png.length) throw new Error('PNG chunk runs past the end of the file');
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    yield { type, start: at, dataStart: at + 8, length };
    if (type === 'IEND') return;
    at += 12 + length;
  }
  throw new Error('PNG ends without an IEND chunk');
}

/**
 * The PNG with the text chunks inserted before the first IDAT, where PIL (A1111) writes them and where readers that
 * stop at the image data (PIL before load(), libvips' metadata) still see them.
 */
export function withPngText(png: Uint8Array, texts: TextChunk[]): Uint8Array {
  let idat: number | undefined;
  for (const c of chunks(png)) if (c.type === 'IDAT' && idat === undefined) idat = c.start;
  if (idat === undefined) throw new Error('PNG has no IDAT chunk');
  return concat([png.subarray(0, idat), ...texts.map(textChunk), png.subarray(idat)]);
}

export interface ReadText extends TextChunk { compressed?: boolean }

async function inflate(data: Uint8Array): Promise<string | undefined> {
  const bytes = await inflateBytes(data, PNG_TEXT_LIMITS.maxTextBytes);
  return bytes && utf8Decode(bytes);
}

/**
 * Every tEXt, iTXt and zTXt chunk. Compressed texts are inflated with DecompressionStream when the platform has it;
 * otherwise they come back with `compressed: true` and empty text, so the caller can say so.
 */
export async function readPngText(png: Uint8Array): Promise<ReadText[]> {
  const out: ReadText[] = [];
  for (const c of chunks(png)) {
    if (c.type !== 'tEXt' && c.type !== 'iTXt' && c.type !== 'zTXt') continue;
    if (out.length >= PNG_TEXT_LIMITS.maxTextChunks) throw new Error(`PNG has more than ${PNG_TEXT_LIMITS.maxTextChunks} text chunks`);
    if (c.length > PNG_TEXT_LIMITS.maxTextBytes) throw new Error(`a PNG text chunk is larger than ${PNG_TEXT_LIMITS.maxTextBytes} bytes`);
    const data = png.subarray(c.dataStart, c.dataStart + c.length);
    const nul = data.indexOf(0);
    if (nul < 1) continue;
    const keyword = latin1Decode(data.subarray(0, nul));
    if (c.type === 'tEXt') { out.push({ keyword, text: latin1Decode(data.subarray(nul + 1)) }); continue; }
    if (c.type === 'zTXt') {
      const text = await inflate(data.subarray(nul + 2));
      out.push(text === undefined ? { keyword, text: '', compressed: true } : { keyword, text });
      continue;
    }
    const flag = data[nul + 1];
    const lang = data.indexOf(0, nul + 3);
    const translated = lang < 0 ? -1 : data.indexOf(0, lang + 1);
    if (translated < 0) continue;
    const body = data.subarray(translated + 1);
    if (flag === 1) {
      const text = await inflate(body);
      out.push(text === undefined ? { keyword, text: '', compressed: true } : { keyword, text });
    } else out.push({ keyword, text: utf8Decode(body) });
  }
  return out;
}
