// The widget's boundary: drops and counts messages from windows or origins it does not serve before anything reads
// them, and checks each call's arguments.
import { z } from 'zod';

export const jobIdSchema = z.string().min(1).max(128);
/** A model reference from a host: an id, a Hub repo id or a URL (records and local folders are the app's business). */
export const modelRefSchema = z.string().min(1).max(2048);

export interface MessageCounter {
  ignored: number;
  lastOrigin?: string;
}

/**
 * Every message not from the parent at an allowed origin is stopped here and counted. The listener runs first
 * (capture, registered before penpal's) and looks only at the event's source and origin: a foreign message's data —
 * 10 MB of text, deep junk — is never deserialized or parsed, and penpal never sees it. Work per message is constant.
 */
export function countIgnoredMessages(target: Window, parent: Window, allowed: readonly string[]): MessageCounter {
  const counter: MessageCounter = { ignored: 0 };
  target.addEventListener('message', (e: MessageEvent) => {
    if (e.source === parent && allowed.includes(e.origin)) return;
    if (e.source === target) return; // the widget's own messages (none today)
    e.stopImmediatePropagation();
    counter.ignored += 1;
    counter.lastOrigin = e.origin.slice(0, 256);
  }, { capture: true });
  return counter;
}
