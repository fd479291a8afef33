/**
 * Where benchmark numbers go: raw figures as JSON in bench/results/<scenario>.json (committed, so
 * a later run can be compared with git diff) plus the machine facts needed to read them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Table } from './table.js';

/** The facts printed with every result file; figures from different machines do not compare. */
export interface RunEnvironment {
  startedAt: string;
  node: string;
  cpuModel: string;
  cpuCount: number;
  memGiB: number;
  gitCommit: string | null;
}

/** The repository root: the nearest ancestor of this module holding package.json. Works from
 * both bench/lib (tsx, vitest) and dist/bench/lib (compiled). */
export function repoRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    directory = resolve(directory, '..');
  }
  throw new Error('bench: cannot find the repository root (package.json) above ' + import.meta.url);
}

export function resultsDir(): string {
  return join(repoRoot(), 'bench', 'results');
}

export function describeEnvironment(): RunEnvironment {
  let gitCommit: string | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot(), encoding: 'utf8' }).trim();
  } catch {
    gitCommit = null; // not a checkout (a copied dist/): the figures still stand on their own
  }
  const cpuList = cpus();
  return {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpuModel: cpuList[0]?.model ?? 'unknown',
    cpuCount: cpuList.length,
    memGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    gitCommit,
  };
}

/** The JSON file of one scenario: its tables (for summary.md) and raw figures. */
export interface ResultFile {
  scenario: string;
  description: string;
  environment: RunEnvironment;
  /** 1-minute load average before and after the scenario: the machine is shared, so say how busy. */
  loadAverage: { start: number; end: number };
  /** The speed probe (bench/lib/speed-probe.ts) before and after, in ms: lower is a faster hour. */
  speedProbeMs?: { start: number; end: number };
  tables: Table[];
  figures: unknown;
  /** Added by hand when the file kept is one of several runs: which, and the others' figures. */
  selection?: string;
}

/** Writes bench/results/<scenario>.json and returns its path. NaN/Infinity become null. */
export function writeResults(body: ResultFile): string {
  const directory = resultsDir();
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${body.scenario}.json`);
  writeFileSync(path, JSON.stringify(body, finiteOrNull, 2) + '\n');
  return path;
}

/** Every result file present, in the given scenario order (unknown names last). */
export function readAllResults(order: readonly string[]): ResultFile[] {
  const directory = resultsDir();
  if (!existsSync(directory)) return [];
  const files = readdirSync(directory).filter((name) => name.endsWith('.json'));
  const parsed = files.map((name) => JSON.parse(readFileSync(join(directory, name), 'utf8')) as ResultFile);
  const rank = (name: string): number => (order.includes(name) ? order.indexOf(name) : order.length);
  return parsed.sort((left, right) => rank(left.scenario) - rank(right.scenario));
}

export function writeText(fileName: string, text: string): string {
  const directory = resultsDir();
  mkdirSync(directory, { recursive: true });
  const path = join(directory, fileName);
  writeFileSync(path, text);
  return path;
}

function finiteOrNull(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  if (value instanceof Float64Array) return Array.from(value, (sample) => Math.round(sample * 1000) / 1000);
  return value;
}
