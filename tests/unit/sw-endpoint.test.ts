// The service worker's POST generate/sdxl: status codes and bodies as OctoAI's API gives them, the search for a page
// that can run the request, and long runs answered as a stream that no event-lifetime limit cuts off.
import { describe, expect, it } from 'vitest';
import type { GenerateResponse } from '../../src/schema/response';
import { BRIDGE_GENERATE, BRIDGE_PROBE, type GenerateReply, type ProbeReply } from '../../src/schema/sw-bridge';
import { errorResponse, handleGenerateRequest, isGenerateUrl } from '../../src/sw/generate-endpoint';
import { respondLater } from '../../src/sw/long-response';

const SCOPE = 'https://app.example/sdxl/';
const RESPONSE: GenerateResponse = { images: [{ image_b64: 'AAAA', seed: 1, removed_for_safety: false, width: 64, height: 64 }], latency_ms: 5, prediction_time_ms: 5 };

/** A window client of the app: answers probes with `probe` and runs requests with `run` (undefined = no listener). */
function fakeClient(id: string, probe?: ProbeReply, run?: (body: unknown) => GenerateReply) {
  return {
    id,
    postMessage(message: { type: string; body?: unknown }, transfer: MessagePort[]) {
      const port = transfer[0]!;
      if (message.type === BRIDGE_PROBE && probe) port.postMessage(probe);
      if (message.type === BRIDGE_GENERATE && run) {
        port.postMessage({ kind: 'progress' } satisfies GenerateReply);
        port.postMessage(run(message.body));
      }
    },
  };
}
const clientsOf = (...list: ReturnType<typeof fakeClient>[]) => ({ matchAll: async () => list }) as unknown as Clients;
const event = (init: RequestInit & { headers?: Record<string, string> }, clientId = 'c1') =>
  ({ request: new Request(`${SCOPE}generate/sdxl`, init), clientId }) as unknown as FetchEvent;
const json = (body: unknown, headers: Record<string, string> = {}) => event({ method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ignored', ...headers } });

describe('POST generate/sdxl in the service worker', () => {
  it('matches only <scope>generate/sdxl', () => {
    expect(isGenerateUrl(new URL(`${SCOPE}generate/sdxl`), SCOPE)).toBe(true);
    expect(isGenerateUrl(new URL(`${SCOPE}generate/sdxl?x=1`), SCOPE)).toBe(true);
    expect(isGenerateUrl(new URL('https://app.example/generate/sdxl'), SCOPE)).toBe(false);
    expect(isGenerateUrl(new URL(`${SCOPE}generate/sdxl2`), SCOPE)).toBe(false);
  });

  it('answers through a page that has a model: the OctoAI JSON with 200, and the 422 detail as it is', async () => {
    const page = fakeClient('c1', { ready: true, model: 'tiny' }, (body) => ((body as { steps?: number }).steps === 0
      ? { kind: 'error', error: { code: 'invalid_request', message: 'The request is invalid.', detail: [{ loc: ['body', 'steps'], msg: 'too small', type: 'too_small' }] } }
      : { kind: 'result', response: RESPONSE }));
    const ok = await handleGenerateRequest(json({ prompt: 'a' }), clientsOf(page));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(RESPONSE);
    const bad = await handleGenerateRequest(json({ prompt: 'a', steps: 0 }), clientsOf(page));
    expect(bad.status).toBe(422);
    expect(await bad.json()).toEqual({ detail: [{ loc: ['body', 'steps'], msg: 'too small', type: 'too_small' }] });
  });

  it('prefers a ready page over one without a model, and says 503 with the reason when none can run it', async () => {
    const idle = fakeClient('c1', { ready: false });
    const ready = fakeClient('c2', { ready: true }, () => ({ kind: 'result', response: RESPONSE }));
    expect((await handleGenerateRequest(json({ prompt: 'a' }), clientsOf(idle, ready))).status).toBe(200);
    const noModel = await handleGenerateRequest(json({ prompt: 'a' }), clientsOf(idle));
    expect(noModel.status).toBe(503);
    expect(await noModel.json()).toMatchObject({ code: 'model_not_loaded' });
    // A page of the origin that does not run the engine never answers the probe.
    const none = await handleGenerateRequest(json({ prompt: 'a' }), clientsOf(fakeClient('c3')));
    expect(none.status).toBe(503);
    expect(await none.json()).toMatchObject({ code: 'no_engine_page' });
  });

  it('refuses bad JSON with a 422, wrong methods with a 405, and answers the CORS preflight', async () => {
    const badJson = await handleGenerateRequest(event({ method: 'POST', body: '{"prompt":' }), clientsOf());
    expect(badJson.status).toBe(422);
    expect(await badJson.json()).toMatchObject({ detail: [{ loc: ['body'], type: 'json_invalid' }] });
    expect((await handleGenerateRequest(event({ method: 'GET' }), clientsOf())).status).toBe(405);
    const pre = await handleGenerateRequest(event({ method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Headers': 'authorization, content-type' } }), clientsOf());
    expect(pre.status).toBe(204);
    expect(Object.fromEntries(pre.headers)).toMatchObject({
      'access-control-allow-origin': 'https://app.example', 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': 'authorization, content-type',
    });
  });

  it('maps engine error codes to HTTP statuses', () => {
    const req = new Request(`${SCOPE}generate/sdxl`, { method: 'POST' });
    const status = (code: Parameters<typeof errorResponse>[1]['code']) => errorResponse(req, { code, message: 'm' }).status;
    expect([status('not_supported'), status('model_not_loaded'), status('busy'), status('cancelled'), status('internal')]).toEqual([422, 503, 429, 499, 500]);
  });
});

describe('long runs', () => {
  it('a result inside the window is the response itself', async () => {
    const r = await respondLater(Promise.resolve(new Response('{"a":1}', { status: 201 })), 1000, {});
    expect(r.status).toBe(201);
    expect(r.headers.get('X-Sdxl-Streamed')).toBeNull();
  });

  it('past the window: 200 at once, spaces while waiting, then the final body (JSON allows the leading whitespace)', async () => {
    let finish!: (r: Response) => void;
    const result = new Promise<Response>((resolve) => (finish = resolve));
    const started = Date.now();
    const r = await respondLater(result, 20, { 'Access-Control-Allow-Origin': '*' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.status).toBe(200);
    expect(r.headers.get('X-Sdxl-Streamed')).toBe('1');
    setTimeout(() => finish(new Response(JSON.stringify(RESPONSE))), 50);
    const text = await r.text();
    expect(text.startsWith(' ')).toBe(true);
    expect(JSON.parse(text)).toEqual(RESPONSE);
  });
});
