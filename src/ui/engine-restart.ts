// What the page and the widget say while their engine restarts after a crash or a lost GPU device.
import type { RestartEvent } from '../worker/client';

export function describeRestart(e: RestartEvent): { text: string; kind: 'info' | 'error' } {
  const what = e.code === 'device_lost' ? `The GPU device was lost (${e.reason})` : `The engine stopped (${e.reason})`;
  if (e.phase === 'restarting') return { text: `${what}; restarting…`, kind: 'error' };
  if (e.phase === 'gave_up') return { text: `${what} again and again; reload the page.`, kind: 'error' };
  const revived = e.revived ?? 'no model was loaded';
  const failed = revived.startsWith('the model could not');
  return { text: `${what}; restarted${e.code === 'device_lost' ? ' on a new device' : ''}, ${revived}.${failed ? '' : ' You can generate again.'}`, kind: failed ? 'error' : 'info' };
}
