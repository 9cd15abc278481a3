// Lists the external-data files an .onnx model refers to, read from its initializers' protobuf fields (never guessed).

/** Minimal protobuf reader: just enough wire format to walk ModelProto → GraphProto → TensorProto. */
class ProtoReader {
  pos = 0;
  constructor(readonly buf: Uint8Array, readonly end = buf.length) {}
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint in ONNX protobuf');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  /** Calls `onField(fieldNumber, wireType, reader-for-length-delimited)` for every field in this message. */
  fields(onField: (field: number, wire: number, sub: ProtoReader | null) => void): void {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 2) {
        const len = this.varint();
        const sub = new ProtoReader(this.buf.subarray(0, this.pos + len), this.pos + len);
        sub.pos = this.pos;
        this.pos += len;
        onField(field, wire, sub);
      } else {
        if (wire === 0) this.varint();
        else if (wire === 1) this.pos += 8;
        else if (wire === 5) this.pos += 4;
        else throw new Error(`unsupported protobuf wire type ${wire}`);
        onField(field, wire, null);
      }
    }
  }
  string(): string {
    return new TextDecoder().decode(this.buf.subarray(this.pos, this.end));
  }
}

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_NODE = 1;
const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_T = 5;
const ATTRIBUTE_G = 6;
const ATTRIBUTE_GRAPHS = 11;
const ATTRIBUTE_TENSORS = 10;
const TENSOR_EXTERNAL_DATA = 13;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

function tensorLocation(r: ProtoReader, out: Set<string>): void {
  r.fields((f, _w, sub) => {
    if (f !== TENSOR_EXTERNAL_DATA || !sub) return;
    let key = '';
    let value = '';
    sub.fields((ef, _ew, es) => {
      if (ef === ENTRY_KEY && es) key = es.string();
      if (ef === ENTRY_VALUE && es) value = es.string();
    });
    if (key === 'location') out.add(value);
  });
}

function graphLocations(r: ProtoReader, out: Set<string>): void {
  r.fields((f, _w, sub) => {
    if (!sub) return;
    if (f === GRAPH_INITIALIZER) tensorLocation(sub, out);
    else if (f === GRAPH_NODE) {
      sub.fields((nf, _nw, node) => {
        if (nf !== NODE_ATTRIBUTE || !node) return;
        node.fields((af, _aw, attr) => {
          if (!attr) return;
          if (af === ATTRIBUTE_T || af === ATTRIBUTE_TENSORS) tensorLocation(attr, out);
          if (af === ATTRIBUTE_G || af === ATTRIBUTE_GRAPHS) graphLocations(attr, out);
        });
      });
    }
  });
}

/** The distinct `location` values of every externally stored tensor, in first-use order. */
export function externalDataFiles(model: Uint8Array): string[] {
  const out = new Set<string>();
  new ProtoReader(model).fields((f, _w, sub) => {
    if (f === MODEL_GRAPH && sub) graphLocations(sub, out);
  });
  return [...out];
}
