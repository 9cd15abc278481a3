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
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'playwright-report/', '.bench/', '.test-reports/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  layer(['src/schema/**'], ['pipeline', 'runtime', 'worker', 'ui'], ['onnxruntime-web', '@huggingface/transformers', 'comlink']),
  layer(['src/pipeline/**'], ['runtime', 'worker', 'ui'], ['onnxruntime-web', '@huggingface/transformers', 'comlink']),
  layer(['src/runtime/**'], ['worker', 'ui'], ['comlink']),
  layer(['src/worker/**'], ['ui']),
  layer(['src/ui/**'], ['runtime'], ['onnxruntime-web', '@huggingface/transformers']),
);
