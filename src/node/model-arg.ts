// What --model names: a folder on this machine (read in place), or a Hub repo id / folder URL (through the cache).
import { stat } from 'node:fs/promises';
import { recordFromUserInput } from '../schema/model-record';

export type ModelArg = { kind: 'folder'; path: string } | { kind: 'remote'; ref: string };

export async function modelArg(arg: string): Promise<ModelArg> {
  const s = await stat(arg).catch(() => undefined);
  if (s?.isDirectory()) return { kind: 'folder', path: arg };
  if (s) throw new Error(`--model ${arg} is a file, not a folder: give an SDXL ONNX folder in the Optimum layout (model_index.json, unet/model.onnx, …) or a Hub repo id.`);
  const looksLikePath = /^(\.{0,2}\/|~)/.test(arg);
  const record = looksLikePath ? undefined : recordFromUserInput(arg);
  if (record?.ok) return { kind: 'remote', ref: arg };
  throw new Error(`--model ${arg}: no such folder, and not a Hub repo id (owner/name, optionally @revision) or an http(s) folder URL.`);
}
