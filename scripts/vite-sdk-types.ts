// Build-time declarations for sdk.js: TypeScript emits src/embed/sdk.ts's .d.ts files under types/, and sdk.d.ts beside
// sdk.js re-exports them, so a host page in TypeScript can type `import { createClient } from '<app>/sdk.js'`.
import { join, relative } from 'node:path';
import ts from 'typescript';
import type { Plugin } from 'vite';

const ROOT = join(import.meta.dirname, '..');

export function sdkTypes(): Plugin {
  return {
    name: 'sdk-types',
    apply: 'build',
    generateBundle() {
      const options: ts.CompilerOptions = {
        declaration: true, emitDeclarationOnly: true, skipLibCheck: true, strict: true, target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: [], rootDir: join(ROOT, 'src'), outDir: '/types',
      };
      const program = ts.createProgram([join(ROOT, 'src/embed/sdk.ts')], options);
      const result = program.emit(undefined, (fileName, text) => {
        this.emitFile({ type: 'asset', fileName: `types/${relative('/types', fileName)}`, source: text });
      }, undefined, true);
      const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (errors.length) this.error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' }));
      this.emitFile({ type: 'asset', fileName: 'sdk.d.ts', source: "export * from './types/embed/sdk';\n" });
    },
  };
}
