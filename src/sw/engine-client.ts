// Finds an open app page that can run a request now: the requesting page first, then any other window of the app.
/// <reference lib="webworker" />
import { BRIDGE_PROBE, type ProbeReply } from '../schema/sw-bridge';

const PROBE_TIMEOUT_MS = 1500;

function probe(client: Client): Promise<ProbeReply | undefined> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(undefined), PROBE_TIMEOUT_MS);
    channel.port1.onmessage = (e: MessageEvent<ProbeReply>) => {
      clearTimeout(timer);
      resolve(e.data);
    };
    client.postMessage({ type: BRIDGE_PROBE }, [channel.port2]);
  });
}

export type FoundClient = { ok: true; client: Client } | { ok: false; code: 'no_engine_page' | 'model_not_loaded'; message: string };

export async function findEngineClient(clients: Clients, requesterId: string): Promise<FoundClient> {
  const windows = [...(await clients.matchAll({ type: 'window' }))];
  windows.sort((a, b) => Number(b.id === requesterId) - Number(a.id === requesterId));
  const replies = await Promise.all(windows.map(async (client) => ({ client, reply: await probe(client) })));
  const ready = replies.find((r) => r.reply?.ready);
  if (ready) return { ok: true, client: ready.client };
  if (replies.some((r) => r.reply)) {
    return { ok: false, code: 'model_not_loaded', message: 'The app is open but has no model loaded: load a model in the app, then send the request again.' };
  }
  return {
    ok: false, code: 'no_engine_page',
    message: 'No app page is open to run the engine: the generator runs in the app page on your GPU. Open the app in a tab of this browser, load a model, and send the request again.',
  };
}
