// A progress listener for one call into the worker, closed when that call settles. Comlink sends each event on the
// listener's own port, which is not ordered with the call's answer on the worker's port: an event sent just before
// the answer can arrive just after it. Once closed, late events are dropped, so a stale "Downloading 8 MB of 31 MB"
// never overwrites the error or the result the page already shows.
import * as Comlink from 'comlink';

/**
 * Runs `call` with a listener that forwards events to `onEvent` (its answer travels back: true = stop here) and calls
 * `onSign` for each event, until `call` settles. Events after that are not forwarded, and answer `true`.
 */
export async function withProgress<P, R>(onEvent: (p: P) => boolean, call: (listener: (p: P) => boolean) => Promise<R>, onSign?: () => void): Promise<R> {
  let open = true;
  const listener = (p: P) => {
    if (!open) return true;
    onSign?.();
    return onEvent(p);
  };
  try {
    return await call(Comlink.proxy(listener));
  } finally {
    open = false;
  }
}
