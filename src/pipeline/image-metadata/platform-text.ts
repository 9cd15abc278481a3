// The few platform text and stream APIs the metadata code needs (the pipeline compiles without DOM types).
interface ByteReader { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> }
interface ByteStream { pipeThrough(t: unknown): ByteStream; getReader(): ByteReader }
declare const TextEncoder: new () => { encode(s: string): Uint8Array };
declare const TextDecoder: new (label?: string, options?: { fatal: boolean }) => { decode(bytes: Uint8Array): string };
declare const globalThis: { DecompressionStream?: new (format: string) => unknown; Blob?: new (parts: Uint8Array[]) => { stream(): ByteStream } };

export const utf8Encode = (s: string): Uint8Array => new TextEncoder().encode(s);
/** UTF-8 → string; invalid bytes become U+FFFD (the data is untrusted, never fatal). */
export const utf8Decode = (b: Uint8Array): string => new TextDecoder('utf-8').decode(b);
/** ISO-8859-1 bytes → string, one byte per code unit. */
export function latin1Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}
/** UTF-16 code units (EXIF "UNICODE" comments), in the given byte order. */
export function utf16Decode(b: Uint8Array, littleEndian: boolean): string {
  return new TextDecoder(littleEndian ? 'utf-16le' : 'utf-16be').decode(b);
}

export const canInflate = (): boolean => typeof globalThis.DecompressionStream === 'function' && typeof globalThis.Blob === 'function';

/** zlib-wrapped deflate data (PNG zTXt / compressed iTXt) → bytes, at most maxBytes; undefined without DecompressionStream. */
export async function inflate(data: Uint8Array, maxBytes: number): Promise<Uint8Array | undefined> {
  const { DecompressionStream: DS, Blob: B } = globalThis;
  if (!DS || !B) return undefined;
  const reader = new B([data]).stream().pipeThrough(new DS('deflate')).getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) break;
    total += value.length;
    if (total > maxBytes) { await reader.cancel(); throw new Error(`compressed PNG text inflates past ${maxBytes} bytes`); }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
