/**
 * Goal: src/actors stays pure (DESIGN rule 1, STYLE §3.4): no node:* imports, no I/O library,
 * no clock, no randomness, no timers, and no xstate `after` delays, `fromPromise`, `spawn` or
 * `createActor` in a machine. Method: scan each source file (comments stripped) for the
 * forbidden tokens (test/helpers/purity.ts).
 */
import { describe, expect, it } from 'vitest';
import { ioLibraries, itIsPure, tsFilesUnder, type PurityRule } from '../../helpers/purity.js';

describe('src/actors purity', () => {
  const files = tsFilesUnder('src/actors');

  it('has the modules', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    expect(files.filter((file) => file.endsWith('/step.ts') || file.endsWith('/flat-machine.ts'))).toHaveLength(2);
  });

  // The interpreters: step.ts builds one inert actor per machine as the scope of pure transitions
  // (what xstate's own `transition()` does per call) and must never start one; flat-machine.ts
  // reads machines' state nodes (including their `after` lists, to refuse them).
  const isInterpreter = (file: string) => file.endsWith('/step.ts') || file.endsWith('/flat-machine.ts');
  const interpreterFiles = files.filter(isInterpreter);
  const machineFiles = files.filter((file) => !isInterpreter(file));
  const io: PurityRule = ioLibraries('classic-level', 'level', 'dockerode', 'piscina', 'fastify', 'pino');
  itIsPure(machineFiles, {
    title: '%s has no I/O, clock, randomness, timers or live actors',
    also: [io, [/\bafter\s*:/, 'xstate after delay'], [/\b(fromPromise|fromCallback|spawnChild|createActor|spawn)\b/, 'live actor']],
  });
  itIsPure(interpreterFiles, {
    title: '%s has no I/O, clock, randomness, timers or started actors',
    also: [io, [/\b(fromPromise|fromCallback|spawnChild|spawn)\b|\.start\(/, 'live actor']],
  });
});
