// Reads the store's own small JSON files (a stored model's state.json, a URL source's manifest.json) with a size cap,
// and checks them against their schemas: a damaged or hostile file is an Error naming the file and the field.
import { parseFile } from '../schema/file-check';
import { cachedStateSchema, storeManifestSchema, type CachedModelState, type StoreManifest } from '../schema/store-files';

/** Neither file is anywhere near this (SDXL's state.json is a few kB). */
export const MAX_STORE_FILE_BYTES = 4 * 1024 * 1024;

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid: not JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
}

const tooBig = (where: string) => new Error(`${where} is not valid: larger than ${MAX_STORE_FILE_BYTES / 1024 / 1024} MB.`);

/** A stored model's state, or undefined when there is none. */
export async function readStateFile(blob: Blob | undefined, where: string): Promise<CachedModelState | undefined> {
  if (!blob) return undefined;
  if (blob.size > MAX_STORE_FILE_BYTES) throw tooBig(where);
  return parseFile(cachedStateSchema, parseJson(await blob.text(), where), where);
}

/** A URL source's manifest.json, or undefined when the source has none (no response, or not 2xx). */
export async function readStoreManifest(res: Response | undefined, where: string): Promise<StoreManifest | undefined> {
  if (!res?.ok) return undefined;
  if (Number(res.headers.get('content-length')) > MAX_STORE_FILE_BYTES) throw tooBig(where);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (let r = await reader?.read(); r && !r.done; r = await reader!.read()) {
    size += r.value.length;
    if (size > MAX_STORE_FILE_BYTES) {
      await reader!.cancel().catch(() => undefined);
      throw tooBig(where);
    }
    chunks.push(r.value);
  }
  const text = new TextDecoder().decode(await new Blob(chunks as BlobPart[]).arrayBuffer());
  return parseFile(storeManifestSchema, parseJson(text, where), where);
}
