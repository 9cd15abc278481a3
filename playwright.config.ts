// Playwright: the built app in real Chromium with WebGPU (SwiftShader where there is no GPU), against `vite preview`.
import { defineConfig } from '@playwright/test';
import { APP_PORT, chromiumPath, HUB_PORT, webgpuArgs } from './e2e/browser';

const PORT = APP_PORT;

export default defineConfig({
  testDir: 'e2e',
  timeout: 300_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: 'retain-on-failure',
    launchOptions: { executablePath: chromiumPath, args: webgpuArgs },
  },
  webServer: [
    {
      // The fake Hub is another origin: the CSP's connect-src (the build's meta, preview's header) must allow it, as a
      // mirror would be allowed.
      command: `export SDXL_CONNECT_SRC=http://localhost:${HUB_PORT} && npx vite build --logLevel warn && npx vite preview --port ${PORT} --strictPort`,
      port: PORT,
      reuseExistingServer: !process.env.CI,
      timeout: 180_000,
    },
    // A local stand-in for the Hugging Face Hub (API + resolve URLs + fault injection) serving the tiny model.
    { command: `npx tsx e2e/hub-server.ts --port ${HUB_PORT}`, port: HUB_PORT, reuseExistingServer: !process.env.CI, timeout: 60_000 },
  ],
});
