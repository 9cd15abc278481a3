// Vitest: unit tests run in Node against the fixture ONNX models and diffusers references.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    // beforeAll hooks load or shard the model; on a busy 2-core machine that passes vitest's 10 s default.
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
