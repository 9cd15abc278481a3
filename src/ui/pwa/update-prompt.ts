// Service worker registration and the update flow: "A new version is ready — Reload", applied only when the user
// agrees and never under a running generation or download. Checks on start and hourly while online.
import { registerSW } from 'virtual:pwa-register';
import { el } from '../dom';
import { busyWith, whenIdle } from './activity';

const HOURLY = 60 * 60 * 1000;

export interface Updates {
  /** Asks the server for a new version now; resolves once the check is done (the banner shows if one was found). */
  check(): Promise<void>;
}

export function startUpdates(banner: HTMLElement): Updates {
  let registration: ServiceWorkerRegistration | undefined;
  const show = (text: string, action?: { label: string; run: () => void }) => {
    banner.replaceChildren(el('span', {}, text));
    if (action) {
      const b = el('button', { type: 'button', class: 'secondary', 'data-testid': 'update-reload' }, action.label);
      b.addEventListener('click', action.run);
      banner.append(' ', b);
    }
    banner.hidden = false;
  };
  const updateSW = registerSW({
    onNeedRefresh: () => show('A new version is ready.', { label: 'Reload', run: () => void reloadWhenIdle() }),
    onOfflineReady: () => {
      show('This app now works offline: once a model is stored, it runs with the network off.');
      setTimeout(() => (banner.hidden = true), 8000);
    },
    onRegisteredSW: (_url, r) => {
      registration = r;
      setInterval(() => void (navigator.onLine ? r?.update().catch(() => undefined) : undefined), HOURLY);
    },
  });
  async function reloadWhenIdle(): Promise<void> {
    const busy = busyWith();
    if (busy) {
      show(`The new version loads when the current ${busy} has finished; nothing is interrupted.`);
      await whenIdle();
    }
    show('Loading the new version…');
    await updateSW(true);
  }
  return {
    check: async () => {
      if (registration && navigator.onLine) await registration.update();
    },
  };
}
