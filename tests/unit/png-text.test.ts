// PNG text chunks: CRC-32 against known values, tEXt/iTXt written before IDAT and decoded by pngjs, read back bounded.
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/pipeline/image-metadata/crc32';
import { readImageTexts } from '../../src/pipeline/image-metadata/image-texts';
import { PNG_TEXT_LIMITS, readPngText, textChunk, withPngText } from '../../src/pipeline/image-metadata/png-text';

const enc = (s: string) => new TextEncoder().encode(s);
export async function tinyPng(): Promise<Uint8Array> {
  return new Uint8Array(await sharp(Buffer.alloc(4 * 4 * 4, 200), { raw: { width: 4, height: 4, channels: 4 } }).png().toBuffer());
}

function rawChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  out.set(enc(type), 4);
  out.set(data, 8);
  v.setUint32(8 + data.length, crc32(enc(type), data));
  return out;
}
const insertBeforeIend = (png: Uint8Array, c: Uint8Array) => new Uint8Array([...png.subarray(0, png.length - 12), ...c, ...png.subarray(png.length - 12)]);

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(enc('123456789'))).toBe(0xcbf43926);
    expect(crc32(enc('IEND'))).toBe(0xae426082);
    expect(crc32(enc('IE'), enc('ND'))).toBe(0xae426082);
  });
});

describe('withPngText / readPngText', () => {
  it('writes tEXt for ASCII and iTXt for other text (Latin-1 too); pngjs decodes the result and the texts read back', async () => {
    const png = await tinyPng();
    const out = withPngText(png, [
      { keyword: 'parameters', text: 'a cat\nNegative prompt: x\nSteps: 8' },
      { keyword: 'octoai-request', text: '{"prompt":"café 猫 🐱"}' },
    ]);
    const decoded = PNG.sync.read(Buffer.from(out), { checkCRC: true });
    expect(decoded.width).toBe(4);
    const types: string[] = [];
    for (let at = 8; at < out.length;) {
      const len = new DataView(out.buffer).getUint32(at);
      types.push(String.fromCharCode(...out.subarray(at + 4, at + 8)));
      at += 12 + len;
    }
    expect(types.slice(-4)).toEqual(['tEXt', 'iTXt', 'IDAT', 'IEND']);
    // libvips reads text chunks from the header: it sees them there.
    expect((await sharp(Buffer.from(out)).metadata()).comments).toEqual([
      { keyword: 'parameters', text: 'a cat\nNegative prompt: x\nSteps: 8' }, { keyword: 'octoai-request', text: '{"prompt":"café 猫 🐱"}' },
    ]);
    expect(await readPngText(out)).toEqual([
      { keyword: 'parameters', text: 'a cat\nNegative prompt: x\nSteps: 8' },
      { keyword: 'octoai-request', text: '{"prompt":"café 猫 🐱"}' },
    ]);
    // sharp (libvips) decodes it too.
    expect((await sharp(Buffer.from(out)).raw().toBuffer()).length).toBe(4 * 4 * 4);
  });

  it('reads another tool’s Latin-1 tEXt as Latin-1, and a "__proto__" keyword as just a keyword', async () => {
    const png = await tinyPng();
    const latin = rawChunk('tEXt', new Uint8Array([...enc('parameters'), 0, 0x63, 0x61, 0x66, 0xe9]));
    const proto = rawChunk('tEXt', new Uint8Array([...enc('__proto__'), 0, ...enc('x')]));
    const texts = await readImageTexts(insertBeforeIend(insertBeforeIend(png, latin), proto));
    expect(texts!.texts.parameters).toBe('café');
    expect(Object.hasOwn(texts!.texts, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('reads compressed iTXt and zTXt through DecompressionStream', async () => {
    const png = await tinyPng();
    const z = deflateSync(Buffer.from('compressed ✓'));
    const itxt = rawChunk('iTXt', new Uint8Array([...enc('parameters'), 0, 1, 0, 0, 0, ...z]));
    const ztxt = rawChunk('zTXt', new Uint8Array([...enc('prompt'), 0, 0, ...deflateSync(Buffer.from('{"a":1}'))]));
    const texts = await readPngText(insertBeforeIend(insertBeforeIend(png, itxt), ztxt));
    expect(texts).toEqual([{ keyword: 'parameters', text: 'compressed ✓' }, { keyword: 'prompt', text: '{"a":1}' }]);
  });

  it('refuses bad keywords, and bad or hostile files with a clear message', async () => {
    expect(() => textChunk({ keyword: '', text: 'x' })).toThrow(/keyword/);
    expect(() => textChunk({ keyword: 'a'.repeat(80), text: 'x' })).toThrow(/keyword/);
    await expect(readPngText(enc('not a png'))).rejects.toThrow(/not a PNG/);
    const png = await tinyPng();
    await expect(readPngText(png.subarray(0, png.length - 6))).rejects.toThrow(/past the end|IEND/);
    await expect(readPngText(png.subarray(0, 33))).rejects.toThrow(/IEND/);
    let many = png;
    for (let i = 0; i <= PNG_TEXT_LIMITS.maxTextChunks; i++) many = insertBeforeIend(many, textChunk({ keyword: 'k', text: 'v' }));
    await expect(readPngText(many)).rejects.toThrow(/more than 64 text chunks/);
    expect(() => withPngText(enc('nope'), [])).toThrow(/not a PNG/);
  });
});
