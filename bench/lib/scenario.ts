/**
 * The shape every benchmark scenario has, so bench/run.ts can run them one by one, print their
 * tables and write their figures. Scenarios run in a fixed order; a later one may read an earlier
 * one's figures from the same run (e.g. Raft writes ÷ the fsync floor measured minutes before).
 */
import type { RunEnvironment } from './results.js';
import type { Table } from './table.js';

/** What a scenario returns: human tables and the raw figures written to its JSON file. */
export interface ScenarioReport {
  tables: Table[];
  figures: Record<string, unknown>;
}

export interface ScenarioContext {
  environment: RunEnvironment;
  /** Figures of scenarios already run in this invocation, by scenario name. */
  earlier: ReadonlyMap<string, Record<string, unknown>>;
  /** A fresh temp directory for this scenario's data dirs and logs (removed afterwards). */
  workDir: string;
  /** Keep workDir after the scenario (something failed and its logs explain why). */
  keepWorkDir(): void;
  /** `--quick`: shorter durations and fewer rounds, to check a scenario works (not to quote). */
  quick: boolean;
  /** Progress lines on stderr, so stdout stays the tables. */
  progress(message: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  run(context: ScenarioContext): Promise<ScenarioReport>;
}

/** Runs `body` `runs` times and returns every run's value (callers take the median). */
export async function repeat<T>(runs: number, body: (run: number) => Promise<T> | T): Promise<T[]> {
  const values: T[] = [];
  for (let run = 0; run < runs; run++) values.push(await body(run));
  return values;
}

/** Nanoseconds per operation of `operation` over `iterations` calls, after a warm-up pass. */
export function timePerOperationNs(iterations: number, operation: () => void): number {
  for (let warm = 0; warm < Math.min(iterations, 10_000); warm++) operation();
  const start = process.hrtime.bigint();
  for (let iteration = 0; iteration < iterations; iteration++) operation();
  return Number(process.hrtime.bigint() - start) / iterations;
}
