// Vitest: unit tests run in Node against the fixture ONNX models and diffusers references; the engine-level fixture
// tests run a second time on the Node engine (onnxruntime-node's CPU EP), which must equal diffusers just the same.
import { defineConfig } from 'vitest/config';

/** The files whose reference checks also run on onnxruntime-node (tests/unit/node-model.ts reads SDXL_TEST_RUNNER). */
const ORT_NODE_FILES = [
  'tests/unit/engine.test.ts',
  'tests/unit/txt2img.test.ts',
  'tests/unit/img2img-inpaint.test.ts',
  'tests/unit/seeded-samplers.test.ts',
  'tests/unit/assets-engine.test.ts',
];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 120_000,
    // beforeAll hooks load or shard the model; on a busy 2-core machine that passes vitest's 10 s default.
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'ort-web-wasm', include: ['tests/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'ort-node-cpu', include: ORT_NODE_FILES, env: { SDXL_TEST_RUNNER: 'ort-node-cpu' } } },
    ],
  },
});
