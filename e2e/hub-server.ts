// A local stand-in for the Hugging Face Hub: its model-info API and resolve URLs (with Range) for folders on disk,
// plus fault injection (slow bytes, a dropped connection, 503, a corrupted byte, a missing file) and a log of what it
// sent. Used as a fetch function by the unit tests and as an HTTP server by the e2e tests and the bench.
// Run: npx tsx e2e/hub-server.ts [--port 4180]
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';

export interface Fault {
  /** Path inside the repo, e.g. "unet/model.onnx"; "*" for every file. */
  path: string;
  kind: 'slow' | 'drop' | '503' | 'corrupt' | 'missing';
  /** How many requests it affects (default: all until cleared). */
  times?: number;
  /** slow: bytes per second. */
  bytesPerSecond?: number;
  /** drop: bytes sent before the connection is cut. */
  dropAfter?: number;
}

export interface LogEntry {
  repo: string;
  path: string;
  method: string;
  range?: string;
  status: number;
  bytes: number;
}

const LFS = /\.(onnx|onnx_data(_\d+)?|bin|pb)$/;
const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges, ETag',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

export class FakeHub {
  faults: Fault[] = [];
  log: LogEntry[] = [];
  /** Files a repo lists with a size but never serves: a model bigger than any test machine's quota. */
  readonly listedOnly = new Map<string, { path: string; size: number }[]>();
  /** Repo id → files (path → bytes). */
  constructor(readonly repos: Map<string, Map<string, Uint8Array>>) {}

  static async fromFolders(folders: Record<string, string>): Promise<FakeHub> {
    const repos = new Map<string, Map<string, Uint8Array>>();
    for (const [repo, dir] of Object.entries(folders)) {
      const files = new Map<string, Uint8Array>();
      for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
        if (!e.isFile()) continue;
        const full = join(e.parentPath, e.name);
        files.set(relative(dir, full).split('\\').join('/'), new Uint8Array(await readFile(full)));
      }
      repos.set(repo, files);
    }
    return new FakeHub(repos);
  }

  reset(): void {
    this.faults = [];
    this.log = [];
  }

  /** Bytes of file bodies sent, per repo. */
  bytesSent(repo?: string): number {
    return this.log.filter((l) => !repo || l.repo === repo).reduce((n, l) => n + l.bytes, 0);
  }

  private takeFault(path: string, kinds: Fault['kind'][]): Fault | undefined {
    const f = this.faults.find((x) => (x.path === path || x.path === '*') && kinds.includes(x.kind) && (x.times === undefined || x.times > 0));
    if (f && f.times !== undefined) f.times--;
    return f;
  }

  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    return this.handle(new Request(input, init));
  }

  async handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (req.method === 'OPTIONS') {
      return new Response(null, { status: 204, headers: { ...CORS, 'Access-Control-Allow-Headers': 'Range, Content-Type', 'Access-Control-Allow-Methods': 'GET, HEAD' } });
    }
    const info = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (info) return this.modelInfo(decodeURIComponent(info[1]!), decodeURIComponent(info[2]!));
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (resolve) return this.file(req, decodeURIComponent(resolve[1]!), resolve[3]!.split('/').map(decodeURIComponent).join('/'));
    return new Response('not found', { status: 404, headers: CORS });
  }

  private modelInfo(repo: string, revision: string): Response {
    const files = this.repos.get(repo);
    if (!files) return Response.json({ error: 'Repository not found' }, { status: 404, headers: CORS });
    const sha = createHash('sha1').update(repo).digest('hex');
    const siblings = [...files].map(([path, bytes]) => {
      if (this.faults.some((f) => f.path === path && f.kind === 'missing')) return undefined;
      const blobId = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
      return LFS.test(path)
        ? { rfilename: path, blobId, size: bytes.length, lfs: { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length, pointerSize: 134 } }
        : { rfilename: path, blobId, size: bytes.length };
    }).filter(Boolean);
    for (const f of this.listedOnly.get(repo) ?? []) siblings.push({ rfilename: f.path, blobId: '0'.repeat(40), size: f.size, lfs: { sha256: '0'.repeat(64), size: f.size, pointerSize: 134 } });
    return Response.json({ id: repo, sha, siblings, revision }, { headers: CORS });
  }

  private file(req: Request, repo: string, path: string): Response {
    const entry: LogEntry = { repo, path, method: req.method, status: 200, bytes: 0, ...(req.headers.get('range') ? { range: req.headers.get('range')! } : {}) };
    this.log.push(entry);
    const stored = this.repos.get(repo)?.get(path);
    if (!stored || this.takeFault(path, ['missing'])) {
      entry.status = 404;
      return new Response('Entry not found', { status: 404, headers: CORS });
    }
    if (this.takeFault(path, ['503'])) {
      entry.status = 503;
      return new Response('Service unavailable', { status: 503, headers: CORS });
    }
    let bytes = stored;
    if (this.takeFault(path, ['corrupt'])) {
      bytes = stored.slice();
      bytes[bytes.length >> 1]! ^= 0xff;
    }
    let start = 0;
    let end = bytes.length - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.get('range') ?? '');
    const headers: Record<string, string> = { ...CORS, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream', ETag: `"${createHash('sha1').update(stored).digest('hex')}"` };
    if (range) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), end) : end;
      if (start > end) {
        entry.status = 416;
        return new Response(null, { status: 416, headers: { ...headers, 'Content-Range': `bytes */${bytes.length}` } });
      }
      entry.status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${bytes.length}`;
    }
    headers['Content-Length'] = String(end - start + 1);
    if (req.method === 'HEAD') return new Response(null, { status: entry.status, headers });
    const body = bytes.subarray(start, end + 1);
    const slow = this.takeFault(path, ['slow']);
    const drop = this.takeFault(path, ['drop']);
    const chunk = 64 * 1024;
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (drop && sent >= (drop.dropAfter ?? body.length >> 1)) {
          controller.error(new Error('connection dropped (injected fault)'));
          return;
        }
        if (sent >= body.length) {
          controller.close();
          return;
        }
        const limit = drop ? Math.min(chunk, (drop.dropAfter ?? body.length >> 1) - sent) : chunk;
        const piece = body.subarray(sent, sent + Math.max(1, limit));
        if (slow) await new Promise((r) => setTimeout(r, (1000 * piece.length) / (slow.bytesPerSecond ?? 256 * 1024)));
        sent += piece.length;
        entry.bytes += piece.length;
        controller.enqueue(piece.slice());
      },
    });
    return new Response(stream, { status: entry.status, headers });
  }
}

/** Serves a FakeHub over HTTP, with /__faults (POST a JSON list), /__reset (POST) and /__log (GET) for the tests. */
export function serve(hub: FakeHub, port: number): Promise<() => Promise<void>> {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://localhost:${port}`);
    const body = async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    };
    if (url.pathname === '/__faults' && req.method === 'POST') {
      hub.faults = JSON.parse(await body()) as Fault[];
      res.writeHead(200, CORS).end('{}');
      return;
    }
    if (url.pathname === '/__reset' && req.method === 'POST') {
      hub.reset();
      res.writeHead(200, CORS).end('{}');
      return;
    }
    if (url.pathname === '/__log') {
      res.writeHead(200, { ...CORS, 'Content-Type': 'application/json' }).end(JSON.stringify({ log: hub.log, bytesSent: hub.bytesSent() }));
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const answer = await hub.handle(new Request(url, { method: req.method, headers }));
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    if (!answer.body) {
      res.end();
      return;
    }
    const out = Readable.fromWeb(answer.body as never);
    out.on('error', () => res.destroy()); // an injected drop cuts the connection mid-body
    out.pipe(res);
  });
  return new Promise((resolve) => server.listen(port, () => resolve(() => new Promise((r) => server.close(() => r())))));
}

/** The tiny model as two repos: as it is, and with text_encoder_2 and the UNet split into external-data shards. */
export async function tinyHub(): Promise<FakeHub> {
  const { shardModelFolder } = await import('../scripts/shard-onnx');
  const model = new URL('../test-data/tiny-sdxl/', import.meta.url).pathname;
  const sharded = await mkdtemp(join(tmpdir(), 'tiny-sdxl-sharded-'));
  await shardModelFolder(model, sharded, 3_000_000, ['unet', 'text_encoder_2']);
  const hub = await FakeHub.fromFolders({ 'test/tiny-sdxl': model, 'test/tiny-sdxl-sharded': sharded });
  // The same files under other names, so each e2e scenario starts from a model the browser has not stored yet.
  for (const alias of ['cancel', 'corrupt', 'huge', 'resume', 'link', 'twotabs']) hub.repos.set(`test/tiny-sdxl-${alias}`, hub.repos.get('test/tiny-sdxl')!);
  // The built-in model's repo name, as any server can claim it: what a poisoning link (?hub=…&model=<built-in id>) points at.
  hub.repos.set('Cyronius/sdxl-lightning-4step-onnx-web-fp16-3shard', hub.repos.get('test/tiny-sdxl')!);
  // A text-to-image-only export, as the public Lightning web exports are: no vae_encoder/.
  hub.repos.set('test/tiny-sdxl-noenc', new Map([...hub.repos.get('test/tiny-sdxl')!].filter(([p]) => !p.startsWith('vae_encoder/'))));
  // 'huge' also lists a 40 GB weights file beside its UNet: more than a browser grants one site by default.
  hub.listedOnly.set('test/tiny-sdxl-huge', [{ path: 'unet/model.onnx_data', size: 40e9 }]);
  // The real-size SDXL fp16 export (the skeleton's files at their real sizes), listed only: nothing of it is served.
  const skeleton = JSON.parse(await readFile(new URL('../test-data/sdxl-skeleton-fp16/listing.json', import.meta.url), 'utf8')) as { files: { path: string; size: number }[] };
  hub.repos.set('test/sdxl-skeleton-fp16', new Map());
  hub.listedOnly.set('test/sdxl-skeleton-fp16', skeleton.files);
  return hub;
}

if (process.argv[1]?.endsWith('hub-server.ts')) {
  const port = Number(process.argv[process.argv.indexOf('--port') + 1] ?? 4180) || 4180;
  const hub = await tinyHub();
  await serve(hub, port);
  console.log(`fake Hub on http://localhost:${port} (repos: ${[...hub.repos.keys()].join(', ')})`);
}
