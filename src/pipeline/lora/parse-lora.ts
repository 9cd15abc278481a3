// A LoRA safetensors file to its modules (checked shapes, alpha / rank) and the keys that match no module.
import { ModelFileInvalidError } from '../../schema/file-check';
import type { LoraComponent, LoraModule, ParsedLora } from './lora-types';
import { alphaValue, resolveAlphas } from './lora-alpha';
import { loraKeyTarget } from './lora-keys';
import { nodePrefixOf } from './lora-names';
import { openSafetensors, parseSafetensors, type ByteReader, type SafetensorsHeader } from './safetensors';

export interface ParseLoraOptions {
  /** The UNet's layers_per_block (unet/config.json; SDXL: 2): the SGM block numbering depends on it. */
  layersPerBlock: number;
  /** The file's name, for error messages. */
  file?: string;
}

interface Group { component: LoraComponent; module: string; down?: string; up?: string; alpha?: string; extra: string[]; keys: string[] }

/** Groups the tensor names by module; names that map nowhere, and every key of a module without both down and up, are unmatched. */
export function groupLoraKeys(names: Iterable<string>, layersPerBlock: number, file: string): { groups: Group[]; unmatched: string[] } {
  const groups = new Map<string, Group>();
  const unmatched: string[] = [];
  for (const key of names) {
    const t = loraKeyTarget(key, layersPerBlock);
    if (!t) { unmatched.push(key); continue; }
    const id = `${t.component}:${t.module}`;
    let g = groups.get(id);
    if (!g) groups.set(id, g = { component: t.component, module: t.module, extra: [], keys: [] });
    g.keys.push(key);
    if (t.role === 'extra') { g.extra.push(key); continue; }
    const seen = g[t.role];
    if (seen) throw new ModelFileInvalidError(file, [`"${seen}" and "${key}" both give the ${t.role} of ${t.component} ${t.module}`]);
    g[t.role] = key;
  }
  const complete: Group[] = [];
  for (const g of groups.values()) {
    if (g.down && g.up && g.extra.length === 0) complete.push(g);
    else unmatched.push(...g.keys);
  }
  return { groups: complete, unmatched };
}

function checkShapes(file: string, g: Group, down: number[], up: number[]): void {
  const bad = (why: string) => new ModelFileInvalidError(file, [`${g.component} ${g.module}: ${why} (down [${down.join(', ')}], up [${up.join(', ')}])`]);
  if (down.length !== 2 && down.length !== 4) throw bad('down must be [rank, in] or [rank, in, kh, kw]');
  if (up.length !== 2 && !(up.length === 4 && up[2] === 1 && up[3] === 1)) throw bad('up must be [out, rank] or [out, rank, 1, 1]');
  if (down[0] !== up[1]) throw bad('down and up disagree on the rank');
  if (down.some((d) => d === 0) || up.some((d) => d === 0)) throw bad('a dimension is 0');
}

function finite(file: string, key: string, data: Float32Array): Float32Array {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new ModelFileInvalidError(file, [`tensor "${key}" holds ${data[i]} at index ${i}`]);
  }
  return data;
}

interface Tensors { down: Float32Array; up: Float32Array }

function buildModule(file: string, header: SafetensorsHeader, g: Group, t: Tensors, alpha: number | undefined): LoraModule {
  const downShape = header.tensors.get(g.down!)!.shape;
  const upShape = header.tensors.get(g.up!)!.shape;
  checkShapes(file, g, downShape, upShape);
  return {
    component: g.component, module: g.module, nodePrefix: nodePrefixOf(g.module),
    down: finite(file, g.down!, t.down), downShape: [...downShape],
    up: finite(file, g.up!, t.up), upShape: [...upShape],
    alphaOverRank: alpha === undefined ? 1 : alpha / downShape[0]!, keys: g.keys,
  };
}

function options(opts: ParseLoraOptions): string {
  if (!Number.isInteger(opts.layersPerBlock) || opts.layersPerBlock < 1) throw new Error(`layersPerBlock must be a positive integer, not ${opts.layersPerBlock}.`);
  return opts.file ?? 'LoRA file';
}

/** Parses a LoRA file held in memory. */
export function parseLora(bytes: Uint8Array, opts: ParseLoraOptions): ParsedLora {
  const file = options(opts);
  const st = parseSafetensors(bytes, file);
  const { groups, unmatched } = groupLoraKeys(st.header.tensors.keys(), opts.layersPerBlock, file);
  const alphas = resolveAlphas(groups.map((g) => [g.component, g.alpha, g.alpha ? alphaValue(file, g.alpha, st.float32(g.alpha)) : undefined] as const));
  const modules = groups.map((g, i) => buildModule(file, st.header, g, { down: st.float32(g.down!), up: st.float32(g.up!) }, alphas[i]));
  return { modules, unmatched };
}

/** Parses a LoRA file through ranged reads, tensor by tensor (a 200 MB file need not be one array). */
export async function parseLoraFrom(size: number, read: ByteReader, opts: ParseLoraOptions): Promise<ParsedLora> {
  const file = options(opts);
  const st = await openSafetensors(size, read, file);
  const { groups, unmatched } = groupLoraKeys(st.header.tensors.keys(), opts.layersPerBlock, file);
  const own: [LoraComponent, string | undefined, number | undefined][] = [];
  for (const g of groups) own.push([g.component, g.alpha, g.alpha ? alphaValue(file, g.alpha, await st.float32(g.alpha)) : undefined]);
  const alphas = resolveAlphas(own);
  const modules: LoraModule[] = [];
  for (const [i, g] of groups.entries()) {
    modules.push(buildModule(file, st.header, g, { down: await st.float32(g.down!), up: await st.float32(g.up!) }, alphas[i]));
  }
  return { modules, unmatched };
}
