import { defineConfig } from 'vitest/config';

// Projects: unit (pure, fast), sim (deterministic simulation, seeded), integration (real
// processes on loopback). `npm test` runs them all; integration runs files one at a time
// because each starts its own processes and the machine has two cores.
/** Pins fast-check's seed under CI=true (see the file). */
const setupFiles = ['test/setup/fast-check.ts'];

export default defineConfig({
  test: {
    // The JSON report feeds the one-line summary that .ci/run prints.
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    projects: [
      // Unit files share their workers' module graph (isolate: false): importing the sources
      // afresh for each of 109 files was 113 s of the project's 190 s on a 2-core box; with it
      // the project takes 45 s. Safe because unit tests use no vi.mock, fake timers or env
      // changes (the sim project does mock node:crypto, so it stays isolated).
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000, setupFiles, isolate: false } },
      { test: { name: 'sim', include: ['test/sim/**/*.test.ts'], testTimeout: 600_000, setupFiles } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          setupFiles,
        },
      },
    ],
  },
});
