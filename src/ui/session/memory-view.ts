// The memory card: what the loaded sessions hold, and the low-memory setting (remembered across visits).
import type { Generator } from '../../worker/client';
import { formatBytes } from '../format';

const MEMORY_KEY = 'sdxl-web:release-text-encoders';

export interface MemoryView {
  /** Reads the engine's memory report again and shows it. */
  refresh(): void;
  /** Sets low-memory mode (from the page API), keeping the checkbox and the stored choice in step. */
  setLowMemory(on: boolean): ReturnType<Generator['setReleaseTextEncoders']>;
}

export function createMemoryView(toggle: HTMLInputElement, info: HTMLElement, generator: Generator): MemoryView {
  const refresh = () => void generator.memory().then((m) => {
    if (!m) return void (info.textContent = '');
    const parts = Object.entries(m.components).map(([name, c]) => `${name} ${formatBytes(c.bytes)}${c.resident ? '' : ' (released)'}`);
    info.textContent = `Resident model memory: ${formatBytes(m.residentBytes)} — ${parts.join(', ')}`;
  });
  toggle.checked = localStorage.getItem(MEMORY_KEY) === '1';
  void generator.setReleaseTextEncoders(toggle.checked);
  toggle.addEventListener('change', () => {
    localStorage.setItem(MEMORY_KEY, toggle.checked ? '1' : '0');
    void generator.setReleaseTextEncoders(toggle.checked).then(refresh);
  });
  return {
    refresh,
    async setLowMemory(on) {
      const m = await generator.setReleaseTextEncoders(on);
      toggle.checked = on;
      refresh();
      return m;
    },
  };
}
