// ESLint: typescript-eslint's recommended rules plus the layering rule (schema → pipeline → runtime → worker → ui).
import tseslint from 'typescript-eslint';

const layer = (files, forbidden, extra = []) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', {
      patterns: [
        ...forbidden.map((dir) => ({ group: [`**/${dir}/*`, `../${dir}/*`], message: `This layer must not depend on src/${dir} (dependencies point schema → pipeline → runtime → worker → ui).`, allowTypeImports: dir !== 'ui' })),
        ...extra.map((pkg) => ({ group: [pkg, `${pkg}/*`], message: `${pkg} belongs to src/runtime.` })),
      ],
    }],
  },
});

export default tseslint.config(
  { ignores: ['.scratch/', 'dist/', 'node_modules/', 'test-results/', 'playwright-report/', '.bench/', '.test-reports/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  layer(['src/schema/**'], ['pipeline', 'runtime', 'worker', 'ui', 'node'], ['onnxruntime-web', 'onnxruntime-node', '@huggingface/transformers', 'comlink']),
  layer(['src/pipeline/**'], ['runtime', 'worker', 'ui', 'node'], ['onnxruntime-web', 'onnxruntime-node', '@huggingface/transformers', 'comlink']),
  layer(['src/runtime/**'], ['worker', 'ui', 'node'], ['comlink']),
  layer(['src/worker/**'], ['ui', 'node']),
  // The Node engine and CLI sit beside the worker: the same engine, Node's runtime (onnxruntime-node, fs).
  layer(['src/node/**'], ['ui', 'embed', 'sw'], ['comlink']),
  layer(['src/ui/**'], ['runtime', 'embed', 'sw', 'node'], ['onnxruntime-web', '@huggingface/transformers']),
  // The widget and SDK sit beside the page (they may use its view helpers); the service worker needs only the schema.
  layer(['src/embed/**'], ['runtime', 'sw'], ['onnxruntime-web', '@huggingface/transformers', 'comlink']),
  layer(['src/sw/**'], ['pipeline', 'runtime', 'worker', 'ui', 'embed'], ['onnxruntime-web', '@huggingface/transformers', 'comlink', 'zod']),
  // sdk.js is loaded by other sites: penpal and its own small modules only.
  { files: ['src/embed/sdk.ts', 'src/embed/case-mapping.ts', 'src/embed/protocol.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['zod', '../ui/*', '../worker/*', './widget*'], message: 'sdk.js ships to other sites: keep it to penpal and type-only imports.', allowTypeImports: true }] }] } },
);
