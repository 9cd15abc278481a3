// Which Chromium the tests drive and with which flags (shared by the config, the specs, the bench and screenshots).
import { existsSync } from 'node:fs';

/** Debian's Chromium where it is installed (CI and dev machines here); otherwise undefined = Playwright's own. */
export const chromiumPath: string | undefined =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Quiet, offline-friendly flags for a fresh headless profile. */
export const baseArgs = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WebGPU on: SwiftShader's software adapter where there is no GPU. */
export const webgpuArgs = ['--enable-unsafe-webgpu', ...baseArgs];

/** Shifts every e2e port, so that several checkouts can run their e2e tests side by side (E2E_PORT_OFFSET=100). */
const OFFSET = Number(process.env.E2E_PORT_OFFSET ?? 0);
/** Where `vite preview` serves the built app for the e2e tests. */
export const APP_PORT = 4173 + OFFSET;
/** Where the e2e setup serves its local stand-in for the Hugging Face Hub. */
export const HUB_PORT = 4180 + OFFSET;
/** Where the static-host tests (no special headers, a sub-path) serve the build. */
export const STATIC_PORT = 4190 + OFFSET;
