// POST <base>generate/sdxl in the service worker: OctoAI's endpoint, answered by an open app page's engine, with
// OctoAI's JSON, a real 422 with the detail body, or a clear 503 when no page can run it.
/// <reference lib="webworker" />
import { parseJsonBody } from '../schema/json-body';
import { errorBody, type EngineErrorData } from '../schema/response';
import { BRIDGE_GENERATE } from '../schema/sw-bridge';
import type { GenerateReply } from '../schema/sw-bridge';
import { findEngineClient } from './engine-client';
import { respondLater } from './long-response';

/** Init and mask images arrive base64-encoded: 64 MiB is far above two 2048² PNGs and bounds what we buffer. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Answer with the real status when the run ends within this time; past it, a 200 stream (see long-response.ts). */
export const DEFAULT_STREAM_AFTER_MS = 240_000;

export const isGenerateUrl = (url: URL, scope: string): boolean => url.href.split('?')[0] === new URL('generate/sdxl', scope).href;

const cors = (request: Request): Record<string, string> => ({
  'Access-Control-Allow-Origin': request.headers.get('Origin') ?? '*',
  Vary: 'Origin',
});

export const jsonResponse = (request: Request, status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...cors(request) } });

/** OctoAI (FastAPI) shapes: 422 → {"detail": [...]}, anything else → {"detail": "message", "code": ...}. */
export function errorResponse(request: Request, error: EngineErrorData): Response {
  const { status, body } = errorBody(error);
  return jsonResponse(request, status, body);
}

async function readBody(request: Request): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const size = Number(request.headers.get('Content-Length') ?? '0');
  if (size > MAX_BODY_BYTES) return { ok: false, response: jsonResponse(request, 413, { detail: `The body is ${size} bytes; the limit is ${MAX_BODY_BYTES}.`, code: 'too_large' }) };
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return { ok: false, response: jsonResponse(request, 413, { detail: `The body is over ${MAX_BODY_BYTES} bytes.`, code: 'too_large' }) };
  const parsed = parseJsonBody(text);
  return parsed.ok ? parsed : { ok: false, response: jsonResponse(request, 422, { detail: parsed.detail }) };
}

/** Hands the body to the page and settles with its final reply; cancels the run if the HTTP client goes away. */
function runOnPage(client: Client, body: unknown, signal: AbortSignal): Promise<GenerateReply & { kind: 'result' | 'error' }> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (e: MessageEvent<GenerateReply>) => {
      if (e.data.kind === 'progress') return;
      channel.port1.close();
      resolve(e.data);
    };
    signal.addEventListener('abort', () => channel.port1.postMessage({ kind: 'cancel' }), { once: true });
    client.postMessage({ type: BRIDGE_GENERATE, body }, [channel.port2]);
  });
}

export async function handleGenerateRequest(event: FetchEvent, clients: Clients): Promise<Response> {
  const { request } = event;
  if (request.method === 'OPTIONS') {
    return new Response(null, {
      status: 204,
      headers: {
        ...cors(request),
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': request.headers.get('Access-Control-Request-Headers') ?? 'authorization, content-type',
        'Access-Control-Max-Age': '600',
      },
    });
  }
  if (request.method !== 'POST') return jsonResponse(request, 405, { detail: 'Use POST with an OctoAI /generate/sdxl body.', code: 'method_not_allowed' });
  // The Authorization header (an OctoAI token) is accepted and ignored: nothing leaves this device.
  const read = await readBody(request);
  if (!read.ok) return read.response;
  const found = await findEngineClient(clients, event.clientId);
  if (!found.ok) return jsonResponse(request, 503, { detail: found.message, code: found.code });
  const streamAfter = Number(request.headers.get('X-Sdxl-Stream-After-Ms') ?? DEFAULT_STREAM_AFTER_MS);
  const run = runOnPage(found.client, read.body, request.signal);
  const toResponse = (reply: Awaited<typeof run>) => (reply.kind === 'result' ? jsonResponse(request, 200, reply.response) : errorResponse(request, reply.error));
  return respondLater(run.then(toResponse), Number.isFinite(streamAfter) && streamAfter >= 0 ? streamAfter : DEFAULT_STREAM_AFTER_MS, cors(request));
}
