/**
 * Test helper: vitest runs TypeScript sources, but a Piscina worker thread loads plain
 * JavaScript. This transpiles src/allocator and src/lib (no type checking) into a cache folder
 * inside node_modules, so the worker can still resolve `piscina`, and returns the worker's URL.
 * Files are written by rename, so concurrent test runs never see a half-written module.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '../../..');

export function buildAllocatorWorker(): URL {
  const outRoot = join(root, 'node_modules', '.cache', 'kairos-allocator-worker');
  for (const folder of ['src/allocator', 'src/lib']) {
    mkdirSync(join(outRoot, folder), { recursive: true });
    for (const name of readdirSync(join(root, folder)).filter((file) => file.endsWith('.ts'))) {
      const source = readFileSync(join(root, folder, name), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      writeAtomically(join(outRoot, folder, name.replace(/\.ts$/, '.js')), outputText);
    }
  }
  writeAtomically(join(outRoot, 'package.json'), '{"type":"module"}\n');
  return pathToFileURL(join(outRoot, 'src/allocator/worker.js'));
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
