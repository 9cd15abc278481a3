// A synthetic SDXL folder for load benchmarks, built in memory (never committed): the tiny model's files, with the UNet
// replaced by a graph carrying `unetBytes` of float32 weights (a chain of Adds), split into external-data shards.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { shardOnnxModel } from '../src/runtime/onnx-shard';
import { concatBytes, lengthDelimited, stringField, varintField } from '../src/runtime/protobuf';

const FLOAT = 1;

function tensor(name: string, values: number): Uint8Array {
  const raw = new Uint8Array(values * 4);
  const view = new Float32Array(raw.buffer);
  for (let i = 0; i < values; i += 4099) view[i] = (i % 97) / 97; // not all zeros, cheap to fill
  return concatBytes([varintField(1, values), varintField(2, FLOAT), stringField(8, name), lengthDelimited(9, raw)]);
}

function valueInfo(name: string, length: number): Uint8Array {
  const dim = lengthDelimited(1, varintField(1, length));
  const tensorType = concatBytes([varintField(1, FLOAT), lengthDelimited(2, dim)]);
  return concatBytes([stringField(1, name), lengthDelimited(2, lengthDelimited(1, tensorType))]);
}

function node(op: string, inputs: string[], output: string): Uint8Array {
  return concatBytes([...inputs.map((i) => stringField(1, i)), stringField(2, output), stringField(3, output), stringField(4, op)]);
}

/** y = x + w0 + w1 + … : `count` weight tensors of `values` floats each. */
export function addChainModel(count: number, values: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let prev = 'x';
  for (let i = 0; i < count; i++) {
    const out = i === count - 1 ? 'y' : `h${i}`;
    parts.push(lengthDelimited(1, node('Add', [prev, `w${i}`], out)));
    prev = out;
  }
  for (let i = 0; i < count; i++) parts.push(lengthDelimited(5, tensor(`w${i}`, values)));
  parts.push(stringField(2, 'synthetic'), lengthDelimited(11, valueInfo('x', values)), lengthDelimited(12, valueInfo('y', values)));
  const graph = concatBytes(parts);
  const opset = concatBytes([stringField(1, ''), varintField(2, 17)]);
  return concatBytes([varintField(1, 8), lengthDelimited(8, opset), lengthDelimited(7, graph)]);
}

/** The folder as path → bytes: the tiny model with a `unetBytes` UNet sharded at `shardBytes`. */
export async function syntheticModel(unetBytes: number, shardBytes: number): Promise<Map<string, Uint8Array>> {
  const dir = new URL('../test-data/tiny-sdxl/', import.meta.url).pathname;
  const files = new Map<string, Uint8Array>();
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || e.name === 'manifest.json') continue;
    const full = join(e.parentPath, e.name);
    files.set(relative(dir, full), new Uint8Array(await readFile(full)));
  }
  const tensors = Math.max(1, Math.round(unetBytes / 100e6));
  const sharded = shardOnnxModel(addChainModel(tensors, Math.floor(unetBytes / tensors / 4)), { maxShardBytes: shardBytes });
  files.set('unet/model.onnx', sharded.model);
  for (const [name, bytes] of sharded.shards) files.set(`unet/${name}`, bytes);
  return files;
}
