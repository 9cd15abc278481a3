// The messages between the page's supervisor and its worker, beside comlink: heartbeat, "alive", and a lost GPU device.

/** Sent once to the worker's global port with a MessagePort for everything else (and not seen by comlink). */
export interface SuperviseHello {
  type: 'sdxl-supervise';
  port: MessagePort;
  /** A Web Lock the worker holds for life: the page is granted it the moment the worker is gone. */
  lock?: string;
}

/** Page → worker on the port. */
export interface Ping {
  type: 'ping';
  seq: number;
}

/** Worker → page on the port. */
export type WorkerSignal =
  | { type: 'pong'; seq: number }
  /** The worker holds the lock (`lock: false` where Web Locks are missing: only the heartbeat and error events then). */
  | { type: 'alive'; lock: boolean }
  | { type: 'device_lost'; reason: string };

export const isSuperviseHello = (data: unknown): data is SuperviseHello =>
  typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'sdxl-supervise' && (data as { port?: unknown }).port instanceof MessagePort;
