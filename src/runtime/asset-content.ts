// What an asset's bytes must hold for its kind, checked when it is imported: a LoRA or an embedding is a sane
// .safetensors file (bounded header, offsets inside the file) with the keys of its kind; a folder's config.json files are
// JSON objects. A failure is an AssetContentError naming the file and the rule.
import type { AssetKind } from '../schema/asset';
import { MAX_SAFETENSORS_BYTES } from '../schema/asset';
import { ModelFileInvalidError } from '../schema/file-check';
import { parseSafetensorsHeader, safetensorsHeaderLength, type SafetensorsHeader } from '../pipeline/lora/safetensors';

export class AssetContentError extends Error {
  constructor(readonly file: string, message: string) {
    super(message);
    this.name = 'AssetContentError';
  }
}

/** Reads and checks a .safetensors file's header (only the header is read, never the tensors): the LoRA parser's rules. */
export async function readSafetensorsHeader(blob: Blob, where: string): Promise<SafetensorsHeader> {
  if (blob.size > MAX_SAFETENSORS_BYTES) throw new AssetContentError(where, `${where} is not a valid .safetensors file: it is ${blob.size} bytes, more than the ${MAX_SAFETENSORS_BYTES} a LoRA or an embedding may have.`);
  try {
    const n = safetensorsHeaderLength(new Uint8Array(await blob.slice(0, 8).arrayBuffer()), blob.size, where);
    return parseSafetensorsHeader(new Uint8Array(await blob.slice(8, 8 + n).arrayBuffer()), blob.size, where);
  } catch (e) {
    const problem = e instanceof ModelFileInvalidError ? `${e.issues.join('; ')}.` : e instanceof Error ? e.message : String(e);
    throw new AssetContentError(where, `${where} is not a valid .safetensors file: ${problem}`);
  }
}

/** LoRA keys: kohya/SGM (`lora_unet_…lora_down.weight`, `.alpha`) or diffusers/PEFT (`….lora_A.weight`). */
const LORA_KEY = /(^|[._])lora([._]|$)|\.lora_(up|down|A|B)\.weight$|\.alpha$/;

/** The file holds what its kind needs: LoRA keys; or an SDXL embedding's `clip_l` and `clip_g` matrices. */
export function checkSafetensorsKind(kind: AssetKind, header: SafetensorsHeader, where: string): void {
  const keys = [...header.tensors.keys()];
  if (kind === 'lora' && !keys.some((k) => LORA_KEY.test(k))) {
    throw new AssetContentError(where, `${where} is not a LoRA: none of its ${keys.length} tensors (${keys.slice(0, 3).join(', ') || 'none'}) has a LoRA key (lora_down/lora_up, lora_A/lora_B, alpha).`);
  }
  if (kind === 'textual_inversion') {
    for (const k of ['clip_l', 'clip_g']) {
      const t = header.tensors.get(k);
      if (!t) throw new AssetContentError(where, `${where} is not an SDXL textual inversion: it has no ${k} tensor (it needs clip_l and clip_g).`);
      if (t.shape.length !== 2 || t.shape[0]! < 1) throw new AssetContentError(where, `${where}: ${k} must be a [vectors, width] matrix, not [${t.shape.join(', ')}].`);
    }
  }
}

/** A config.json of a folder asset: a JSON object of at most 1 MB. */
export async function checkConfigJson(blob: Blob, where: string): Promise<void> {
  if (blob.size > 1024 * 1024) throw new AssetContentError(where, `${where} is larger than 1 MB.`);
  let json: unknown;
  try {
    json = JSON.parse(await blob.text());
  } catch {
    throw new AssetContentError(where, `${where} is not JSON.`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new AssetContentError(where, `${where} is not a JSON object.`);
}
