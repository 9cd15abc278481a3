// Just enough of the protobuf wire format to walk and rewrite ONNX models (ModelProto → GraphProto → TensorProto).

export interface ProtoField {
  field: number;
  wire: number;
  /** Byte range of the whole field, key included. */
  start: number;
  end: number;
  /** For length-delimited fields: the payload's range. */
  valueStart: number;
  valueEnd: number;
  /** For varint fields: the value. */
  varint: number;
}

/** A 64-bit varint takes at most 10 bytes; a longer one (thousands of 0x80 bytes) would sum to Infinity or NaN. */
const MAX_VARINT_BYTES = 10;
/** Field numbers stop at 2^29 - 1, so a key (field << 3 | wire) fits in 32 bits. */
const MAX_KEY = 2 ** 32 - 1;

function readVarint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let result = 0;
  let shift = 0;
  const start = pos;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint in protobuf');
    if (pos - start >= MAX_VARINT_BYTES) throw new Error(`protobuf varint longer than ${MAX_VARINT_BYTES} bytes at byte ${start}`);
    const b = buf[pos++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7;
  }
}

/** Lists the fields of the message in buf[from, to). */
export function scanFields(buf: Uint8Array, from = 0, to = buf.length): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = from;
  while (pos < to) {
    const start = pos;
    const [key, afterKey] = readVarint(buf, pos);
    if (key < 8 || key > MAX_KEY) throw new Error(`invalid protobuf field key ${key} at byte ${start}`);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    pos = afterKey;
    let valueStart = pos;
    let varint = 0;
    if (wire === 0) [varint, pos] = readVarint(buf, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, p] = readVarint(buf, pos);
      valueStart = p;
      pos = p + len;
    } else throw new Error(`unsupported protobuf wire type ${wire} at byte ${start}`);
    if (pos > to) throw new Error('protobuf field runs past the end of its message');
    out.push({ field, wire, start, end: pos, valueStart, valueEnd: wire === 2 ? pos : pos, varint });
  }
  return out;
}

export const decodeString = (buf: Uint8Array, f: ProtoField): string => new TextDecoder().decode(buf.subarray(f.valueStart, f.valueEnd));

// --- writing ---------------------------------------------------------------------------------------------

export function encodeVarint(value: number): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    bytes.push(b);
  } while (v > 0);
  return Uint8Array.from(bytes);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  return concatBytes([encodeVarint(field * 8 + 2), encodeVarint(payload.length), payload]);
}

export function varintField(field: number, value: number): Uint8Array {
  return concatBytes([encodeVarint(field * 8), encodeVarint(value)]);
}

export const stringField = (field: number, s: string): Uint8Array => lengthDelimited(field, new TextEncoder().encode(s));
