/**
 * Mutation testing of the swarm itself (opt-in: KAIROS_MUTANTS=1). Goal: show the swarm and its
 * checkers catch real consensus bugs, not just storage lies. Method: copy src/ to a temp dir,
 * plant one classic Raft bug per copy (commit entries of an earlier term by counting replicas —
 * the Figure 8 bug; grant votes to out-of-date candidates; let a follower commit past what it
 * holds; acknowledge appends before they are persisted; forget a granted vote so a node votes
 * twice in one term), build cores from the mutant and run seeds until one fails. A mutant marked
 * `swarmKills` must die within the seed budget; the others are only reported. A mutation whose
 * source pattern no longer exists fails the test, so the list is kept current.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import type { CoreFactory } from './harness/sim-node.js';
import { runSeed } from './harness/run-seed.js';

interface Mutant {
  name: string;
  file: string;
  from: string;
  to: string;
  /**
   * False for bugs that need an interleaving random faults rarely produce; their outcome is
   * printed, not asserted. The Figure 8 mutant died at seed 349 when every seed replicated one
   * entry per append, but survived 1,500 seeds of the normal mix; directed unit tests in
   * test/unit/raft/core cover it.
   */
  swarmKills: boolean;
}

const mutants: Mutant[] = [
  {
    name: 'commit an earlier-term entry by counting replicas (Figure 8)',
    file: 'raft/core/replication.ts',
    from: 'r.log.term(quorumIndex) !== r.term',
    to: 'false',
    swarmKills: false,
  },
  {
    name: 'grant votes to candidates whose log is behind',
    file: 'raft/core/election.ts',
    from: 'canVote && r.log.isUpToDate(m.index, m.logTerm)',
    to: 'canVote',
    swarmKills: true,
  },
  {
    name: 'follower commits the leader commit even past what it matched',
    file: 'raft/core/log.ts',
    from: 'this.commitTo(Math.min(leaderCommit, lastNew));',
    to: 'this.commitTo(Math.min(leaderCommit, this.lastIndex()));',
    swarmKills: true,
  },
  {
    name: 'acknowledge appends before they are persisted',
    file: 'raft/core/follower.ts',
    from: "r.send({ type: 'appResp', to: m.from, index: lastNew }, true);",
    to: "r.send({ type: 'appResp', to: m.from, index: lastNew }, false);",
    swarmKills: true,
  },
  {
    name: 'a vote is not remembered (vote twice in a term)',
    file: 'raft/core/election.ts',
    from: 'r.vote = m.from;',
    to: 'r.vote = null;',
    swarmKills: true,
  },
];

const enabled = process.env.KAIROS_MUTANTS === '1';
const seedBudget = Number(process.env.KAIROS_MUTANT_SEEDS ?? 1000);
const srcDir = new URL('../../src', import.meta.url).pathname;
const workDir = enabled ? mkdtempSync(join(tmpdir(), 'kairos-mutants-')) : '';

afterAll(() => {
  if (workDir !== '') rmSync(workDir, { recursive: true, force: true });
});

async function mutantFactory(index: number, mutant: Mutant): Promise<CoreFactory | null> {
  const copy = join(workDir, `m${index}`, 'src');
  cpSync(srcDir, copy, { recursive: true });
  const path = join(copy, mutant.file);
  const source = readFileSync(path, 'utf8');
  if (!source.includes(mutant.from)) return null;
  writeFileSync(path, source.replace(mutant.from, mutant.to));
  const module = (await import(pathToFileURL(join(copy, 'raft/core/raft.ts')).href)) as {
    RaftCore: new (...args: Parameters<CoreFactory>) => ReturnType<CoreFactory>;
  };
  return (config, initial, rng) => new module.RaftCore(config, initial, rng);
}

describe.runIf(enabled)('the swarm kills planted Raft bugs', () => {
  mutants.forEach((mutant, index) => {
    test(mutant.name, async () => {
      const coreFactory = await mutantFactory(index, mutant);
      expect(coreFactory, `pattern not found in ${mutant.file}: update this mutant`).not.toBeNull();
      let killedBy: string | null = null;
      let seed = 1;
      for (; seed <= seedBudget && killedBy === null; seed++) {
        const result = runSeed(seed, { coreFactory: coreFactory! });
        if (!result.ok) killedBy = `seed ${seed}: ${result.failure!.split('\n')[0]}`;
      }
      console.log(`${mutant.name}: ${killedBy ?? `SURVIVED ${seedBudget} seeds`}`);
      if (mutant.swarmKills) expect(killedBy, `mutant survived ${seedBudget} seeds`).not.toBeNull();
    });
  });
});
