// Vitest: unit tests run in Node against the fixture ONNX models and diffusers references.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    // Hooks load ONNX sessions too; on a busy 2-core machine a tiny-model load can pass 10 s.
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
