// The page side of the service worker's POST /generate/sdxl: runs bridged requests through this page's engine.
import { BRIDGE_ALIVE, BRIDGE_GENERATE, BRIDGE_PROBE, bridgeCancelSchema, bridgeRequestSchema, type GenerateReply, type ProbeReply } from '../../schema/sw-bridge';
import type { GenerateResponse } from '../../schema/response';
import { SdxlError, type GenerateOptions } from '../../worker/client';

export interface BridgeHost {
  /** The loaded model's name, when one is loaded. */
  model(): string | undefined;
  generate(body: unknown, options: GenerateOptions): Promise<GenerateResponse>;
}

export function serveGenerateBridge(host: BridgeHost): void {
  const sw = navigator.serviceWorker;
  if (!sw) return;
  sw.addEventListener('message', (event: MessageEvent) => {
    // Only our own worker talks to this listener, but its messages are still checked before use.
    if (event.source !== sw.controller && !(event.source instanceof ServiceWorker)) return;
    const parsed = bridgeRequestSchema.safeParse(event.data);
    const port = event.ports[0];
    if (!parsed.success || !port) return;
    if (parsed.data.type === BRIDGE_PROBE) {
      const model = host.model();
      const reply: ProbeReply = model ? { ready: true, model } : { ready: false };
      return port.postMessage(reply);
    }
    if (parsed.data.type === BRIDGE_GENERATE) void run(parsed.data.body, port);
  });
  // Messages from the worker wait until the page says it listens.
  sw.startMessages();

  async function run(body: unknown, port: MessagePort): Promise<void> {
    const controller = new AbortController();
    port.onmessage = (e) => {
      if (bridgeCancelSchema.safeParse(e.data).success) controller.abort();
    };
    const send = (reply: GenerateReply) => port.postMessage(reply);
    try {
      const response = await host.generate(body, {
        signal: controller.signal,
        onProgress: () => {
          send({ kind: 'progress' });
          // A message event keeps the worker alive while the run goes on.
          sw.controller?.postMessage({ type: BRIDGE_ALIVE });
        },
      });
      send({ kind: 'result', response });
    } catch (e) {
      send({ kind: 'error', error: e instanceof SdxlError ? e.toJSON() : { code: 'internal', message: e instanceof Error ? e.message : String(e) } });
    } finally {
      port.close();
    }
  }
}
