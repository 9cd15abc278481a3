// OctoAI's own published TypeScript SDK, bundled for the browser, so e2e can call the app's origin with it unchanged.
// Only its asset-library upload wrapper is left out of the bundle (build.ts): it needs Node (fast-glob, AWS S3).
import * as octoai from '@octoai/sdk';

// The package is CommonJS: its exports may arrive on the namespace or on its default export.
const mod = octoai as unknown as { OctoAIClient?: unknown; default?: { OctoAIClient?: unknown } };
(window as unknown as { OctoAIClient: unknown }).OctoAIClient = mod.OctoAIClient ?? mod.default?.OctoAIClient;
