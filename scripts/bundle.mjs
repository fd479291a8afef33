/**
 * Bundles the compiled CLI (dist/src) into dist/bundle, which `kairos` runs. Why: loading some
 * 500 separate ES modules (ours and our dependencies') was most of a restarting master's time to
 * serve (≈ 0.6 of 0.75 s on an idle machine, over 2 s on a busy one); one file per lazily loaded
 * part (code splitting keeps the CLI's dynamic imports lazy) loads in a fraction of that.
 *
 * Left out of the bundle and loaded from node_modules: packages with native addons, and those
 * that start worker threads from files of their own (piscina, pino's transports).
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const outdir = 'dist/bundle';
rmSync(outdir, { recursive: true, force: true });
await build({
  // The allocator pool loads its worker as './worker.js' next to the module that starts it; every
  // chunk lands in one directory, so the worker entry must be named exactly that.
  entryPoints: { kairos: 'dist/src/cli/main.js', worker: 'dist/src/allocator/worker.js' },
  outdir,
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['classic-level', 'msgpackr', 'dockerode', 'piscina', 'pino', 'pino-pretty'],
  // Bundled CommonJS dependencies call require() for Node's own modules.
  banner: { js: "import { createRequire as kairosCreateRequire } from 'node:module'; const require = kairosCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
