// Messages between the service worker's POST /generate/sdxl endpoint and the app page that runs the engine.
import { z } from 'zod';
import type { EngineErrorData, GenerateResponse } from './response';

export const BRIDGE_PROBE = 'sdxl-bridge:probe';
export const BRIDGE_GENERATE = 'sdxl-bridge:generate';
/** Sent by the page to the worker while a bridged run is going, so the browser keeps the worker alive. */
export const BRIDGE_ALIVE = 'sdxl-bridge:alive';

/** What the worker sends to a page (the reply goes back on the transferred MessagePort). */
export const bridgeRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal(BRIDGE_PROBE) }),
  z.object({ type: z.literal(BRIDGE_GENERATE), body: z.unknown() }),
]);
export type BridgeRequest = z.infer<typeof bridgeRequestSchema>;

/** A page's answer to a probe: whether it can run a request now. */
export interface ProbeReply {
  ready: boolean;
  model?: string;
}

/** What a page sends back about a bridged run. */
export type GenerateReply =
  | { kind: 'progress' }
  | { kind: 'result'; response: GenerateResponse }
  | { kind: 'error'; error: EngineErrorData };

/** The worker tells the page to stop a run whose HTTP client went away. */
export const bridgeCancelSchema = z.object({ kind: z.literal('cancel') });
