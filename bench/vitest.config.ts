/**
 * Tests of the benchmark harness itself (bench/test), kept out of `npm test`'s projects:
 * run them with `npm run bench:test`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['bench/test/**/*.test.ts'], testTimeout: 30_000, root: '.' },
});
