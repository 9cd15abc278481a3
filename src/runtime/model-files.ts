// Where a model's files come from: a base URL over fetch (the browser), or any reader with the same shape.

export interface ModelFiles {
  /** A description of the source for messages ("https://…/", "/path/"). */
  readonly location: string;
  /** Where a stored model lives in the store (the key other tabs name it by when they delete it). */
  readonly storeKey?: string;
  bytes(path: string, onBytes?: (received: number, total: number | undefined) => void): Promise<Uint8Array>;
  json<T = unknown>(path: string): Promise<T>;
  exists(path: string): Promise<boolean>;
  /** The file as a Blob, where the source keeps files on disk (the cache, a local folder): handed to onnxruntime-web
   * as external data, so the weights are never copied into a JS buffer of ours. */
  blob?(path: string): Promise<Blob>;
  /** Where the file sits on this machine's disk, when the source is a local file system (Node): sessions open it there. */
  localPath?(path: string): string;
}

export class ModelFileError extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/** Reads files under a base URL, streaming bodies so progress can be shown. */
export function urlModelFiles(baseUrl: string, fetchFn: typeof fetch = fetch): ModelFiles {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const get = async (path: string) => {
    const res = await fetchFn(new URL(path, base).href);
    if (!res.ok) throw new ModelFileError(path, `${path}: HTTP ${res.status} from ${new URL(path, base).href}`);
    return res;
  };
  return {
    location: base,
    async bytes(path, onBytes) {
      const res = await get(path);
      const total = Number(res.headers.get('content-length')) || undefined;
      if (!res.body || !onBytes) return new Uint8Array(await res.arrayBuffer());
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let received = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.length;
        onBytes(received, total);
      }
      const out = new Uint8Array(received);
      let o = 0;
      for (const c of chunks) {
        out.set(c, o);
        o += c.length;
      }
      return out;
    },
    async json(path) {
      return (await get(path)).json();
    },
    async exists(path) {
      const res = await fetchFn(new URL(path, base).href, { method: 'HEAD' });
      return res.ok;
    },
  };
}
