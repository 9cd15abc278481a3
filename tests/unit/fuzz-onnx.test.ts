// Property tests over the .onnx readers: the tiny model's real graphs, mutated (bit flips, truncation, insertions, varint
// bombs, huge lengths, deep nesting), either parse into consistent fields or fail with an Error, quickly.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ONNX, externalDataFiles } from '../../src/runtime/onnx-external-data';
import { shardOnnxModel } from '../../src/runtime/onnx-shard';
import { concatBytes, encodeVarint, scanFields, type ProtoField } from '../../src/runtime/protobuf';
import { fuzzParams, reportCounts } from './fuzz-config';
import { modelDir, testDataDir } from './reference';

const CASES = 2_000;
/** Far above what any of these inputs takes (ms; a loaded 2-core CI machine once took 3.3 s for one scan in a GC pause), far below a hang. */
const TIME_LIMIT_MS = 20_000;

const vaeEncoder = new Uint8Array(readFileSync(`${modelDir}vae_encoder/model.onnx`));
/** Real graphs with their weights moved out: all structure, and external-data entries to read. */
const SEEDS: Uint8Array[] = [
  new Uint8Array(readFileSync(`${testDataDir}onnx/text_encoder_2.sharded-by-onnx.onnx`)),
  shardOnnxModel(vaeEncoder, { maxShardBytes: 1 << 20 }).model,
  shardOnnxModel(new Uint8Array(readFileSync(`${modelDir}text_encoder/model.onnx`)), { maxShardBytes: 1 << 20 }).model,
  shardOnnxModel(new Uint8Array(readFileSync(`${modelDir}unet/model.onnx`)), { maxShardBytes: 1 << 20 }).model,
];

type Edit = (b: Uint8Array) => Uint8Array;
const splice = (b: Uint8Array, at: number, remove: number, insert: Uint8Array) =>
  concatBytes([b.subarray(0, at), insert, b.subarray(Math.min(b.length, at + remove))]);

/** A position in the buffer, mostly in its first bytes, where the model's and graph's headers are. */
const position = fc.oneof(fc.nat({ max: 512 }), fc.nat({ max: 1 << 20 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }));
const at = (p: number, b: Uint8Array) => (Number.isInteger(p) ? p % (b.length + 1) : Math.floor(p * (b.length + 1)));

const edit: fc.Arbitrary<[string, Edit]> = fc.oneof(
  fc.array(fc.tuple(position, fc.nat({ max: 7 })), { minLength: 1, maxLength: 16 }).map((flips): [string, Edit] => ['flip', (b) => {
    const out = b.slice();
    for (const [p, bit] of flips) if (out.length > 0) out[at(p, out) % out.length]! ^= 1 << bit;
    return out;
  }]),
  position.map((p): [string, Edit] => ['truncate', (b) => b.slice(0, at(p, b))]),
  fc.tuple(position, fc.uint8Array({ minLength: 1, maxLength: 32 })).map(([p, bytes]): [string, Edit] => ['insert', (b) => splice(b, at(p, b), 0, bytes)]),
  fc.tuple(position, fc.nat({ max: 64 })).map(([p, n]): [string, Edit] => ['delete', (b) => splice(b, at(p, b), n + 1, new Uint8Array())]),
  fc.tuple(position, fc.constantFrom(0x80, 0xff), fc.integer({ min: 10, max: 3_000 }), fc.boolean()).map(([p, byte, n, end]): [string, Edit] => ['varint_bomb', (b) => {
    // A varint that never ends, or ends after thousands of bytes (2 ** (7 × 147) is Infinity, and 0 × Infinity is NaN).
    const bomb = new Uint8Array(n + (end ? 1 : 0)).fill(byte);
    if (end) bomb[n] = 1;
    return splice(b, at(p, b), 0, bomb);
  }]),
  fc.tuple(position, fc.integer({ min: 1, max: 20 }), fc.constantFrom(2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, 2 ** 60, 2 ** 70)).map(([p, field, len]): [string, Edit] => ['huge_length', (b) => {
    // A length-delimited field claiming far more bytes than follow.
    return splice(b, at(p, b), 0, concatBytes([encodeVarint(field * 8 + 2), encodeVarint(len)]));
  }]),
  fc.tuple(position, position, fc.nat({ max: 4096 })).map(([from, to, n]): [string, Edit] => ['splice_copy', (b) => {
    const start = at(from, b);
    return splice(b, at(to, b), 0, b.slice(start, start + n));
  }]),
  fc.uint8Array({ maxLength: 2048 }).map((bytes): [string, Edit] => ['random_bytes', () => bytes]),
);

/** Graphs whose nodes hold subgraphs `depth` levels down: deep enough to overflow a recursive reader. */
const deepGraph = fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(ONNX.ATTRIBUTE_G, ONNX.ATTRIBUTE_GRAPHS)).map(([depth, field]) => {
  // Built from the inside out as a list of headers (the innermost graph is empty), so it costs O(depth), not O(depth²).
  const headers: Uint8Array[] = [];
  let size = 0;
  for (let i = 0; i < depth; i++) {
    for (const key of [field, ONNX.NODE_ATTRIBUTE, ONNX.GRAPH_NODE]) {
      const header = concatBytes([encodeVarint(key * 8 + 2), encodeVarint(size)]);
      headers.push(header);
      size += header.length;
    }
  }
  headers.push(concatBytes([encodeVarint(ONNX.MODEL_GRAPH * 8 + 2), encodeVarint(size)]));
  return concatBytes(headers.reverse());
});

/** Fields must tile [from, to) exactly, with whole, in-range offsets. */
function checkFields(fields: ProtoField[], from: number, to: number): void {
  let pos = from;
  for (const f of fields) {
    const whole = [f.start, f.end, f.valueStart, f.valueEnd, f.field, f.varint].every(Number.isSafeInteger);
    if (!whole || f.start !== pos || f.end <= f.start || f.valueStart < f.start || f.valueEnd > f.end || f.valueStart > f.valueEnd || f.end > to) {
      throw new Error(`inconsistent field ${JSON.stringify(f)} in [${from}, ${to})`);
    }
    pos = f.end;
  }
  if (pos !== to) throw new Error(`fields end at ${pos}, the message at ${to}`);
}

/** Scans every length-delimited payload that parses as a message, a few levels down, as the readers do. */
function walk(buf: Uint8Array, from: number, to: number, depth: number): void {
  const fields = scanFields(buf, from, to);
  checkFields(fields, from, to);
  if (depth === 0) return;
  for (const f of fields) {
    if (f.wire !== 2) continue;
    try {
      walk(buf, f.valueStart, f.valueEnd, depth - 1);
    } catch (e) {
      if (!(e instanceof Error) || e.message.includes('call stack')) throw e;
    }
  }
}

/** Runs a reader: it returns, or throws an Error that is not a stack overflow, within the time limit. */
function outcome(name: string, run: () => void): 'ok' | 'error' {
  const start = performance.now();
  let result: 'ok' | 'error' = 'ok';
  try {
    run();
  } catch (e) {
    if (!(e instanceof Error)) throw new Error(`${name} threw a non-Error: ${String(e)}`);
    if (/call stack|too much recursion/i.test(e.message)) throw new Error(`${name} overflowed the stack`);
    if (e.message.startsWith('inconsistent') || e.message.startsWith('fields end') || e.message.startsWith('location')) throw e;
    result = 'error';
  }
  const ms = performance.now() - start;
  if (ms > TIME_LIMIT_MS) throw new Error(`${name} took ${Math.round(ms)} ms`);
  return result;
}

const PLAIN_NAME = /^[^/\\:\u0000-\u001f]{1,255}$/;

function readAll(bytes: Uint8Array, counts: Record<string, number>): void {
  const tally = (name: string, r: 'ok' | 'error') => { counts[`${name}_${r}`] = (counts[`${name}_${r}`] ?? 0) + 1; };
  tally('scan', outcome('scanFields', () => walk(bytes, 0, bytes.length, 4)));
  tally('external_data', outcome('externalDataFiles', () => {
    for (const location of externalDataFiles(bytes)) {
      if (!PLAIN_NAME.test(location) || location === '.' || location === '..') throw new Error(`location ${JSON.stringify(location)} was let through`);
    }
  }));
  tally('shard', outcome('shardOnnxModel', () => { shardOnnxModel(bytes, { maxShardBytes: 4096, minTensorBytes: 16 }); }));
}

describe('.onnx protobuf fuzz', () => {
  it('reads the unmutated graphs (the mutations start from working inputs)', () => {
    for (const seed of SEEDS) {
      walk(seed, 0, seed.length, 6);
      expect(externalDataFiles(seed).length).toBeGreaterThan(0);
    }
  });

  it(`mutated real graphs (${CASES} cases) parse consistently or throw an Error, never hang or overflow`, () => {
    const counts: Record<string, number> = {};
    fc.assert(fc.property(fc.nat({ max: SEEDS.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 3 }), (s, edits) => {
      const bytes = edits.reduce((b, [, e]) => e(b), SEEDS[s]!);
      for (const [kind] of edits) counts[kind] = (counts[kind] ?? 0) + 1;
      readAll(bytes, counts);
    }), fuzzParams(CASES));
    reportCounts('onnx-protobuf', { cases: CASES, ...counts });
    // Both outcomes occur: the mutations reach past the first bytes, and some leave a readable file.
    expect(counts.external_data_ok).toBeGreaterThan(0);
    expect(counts.external_data_error).toBeGreaterThan(0);
  });

  it('graphs nested up to 20,000 deep are refused with an Error, not a stack overflow', () => {
    let runs = 0;
    fc.assert(fc.property(deepGraph, (bytes) => {
      runs++;
      readAll(bytes, {});
    }), fuzzParams(20));
    reportCounts('onnx-deep-graphs', { cases: runs });
  });
});
