/**
 * Goal: the `kairos` CLI's contract for operators — `--help` documents each flag, bad flags and
 * unusable data dirs give one clear line on stderr with exit code 2 and write nothing, and
 * settings may come from KAIROS_* variables or a JSON config file.
 * Method: run the built CLI as a child process and inspect exit code, stderr and the file system.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts, spawnKairos, waitFor } from './helpers/process.js';

const root = mkdtempSync(join(tmpdir(), 'kairos-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const proc = spawnKairos(args, env);
  const { code } = await proc.exited;
  return { code, output: proc.output() };
}

describe('kairos master flags', () => {
  it('documents every flag in --help', async () => {
    const { code, output } = await run(['master', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--id', '--peers', '--http', '--data-dir', '--tick-ms', '--election-ticks', '--config', 'KAIROS_DATA_DIR']) {
      expect(output).toContain(flag);
    }
  });

  it('rejects an unknown flag with one line and exit code 2', async () => {
    const { code, output } = await run(['master', '--bogus']);
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toMatch(/unknown option '--bogus'/);
  });

  it('rejects a malformed --peers entry and writes nothing', async () => {
    const dataDir = join(root, 'never-created');
    const { code, output } = await run(['master', '--id', 'm1', '--peers', 'm1=nonsense', '--http', '127.0.0.1:1', '--data-dir', dataDir]);
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toMatch(/--peers/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('rejects an id missing from --peers', async () => {
    const { code, output } = await run(['master', '--id', 'm9', '--peers', 'm1=127.0.0.1:1', '--http', '127.0.0.1:2', '--data-dir', join(root, 'x')]);
    expect(code).toBe(2);
    expect(output).toMatch(/must include this replica's own id "m9"/);
  });

  it('rejects a data dir that is a file', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'not a directory');
    const { code, output } = await run(['master', '--id', 'm1', '--peers', 'm1=127.0.0.1:1', '--http', '127.0.0.1:2', '--data-dir', file]);
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toMatch(/--data-dir: .* is not a directory/);
  });

  it('rejects a data dir whose Raft store is not LevelDB with a clear storage error', async () => {
    const dataDir = join(root, 'garbage');
    const raftDir = join(dataDir, 'raft');
    await import('node:fs').then((fs) => fs.mkdirSync(raftDir, { recursive: true }));
    writeFileSync(join(raftDir, 'CURRENT'), 'garbage\n');
    const [raftPort, httpPort] = await freePorts(2);
    const { code, output } = await run(['master', '--id', 'm1', '--peers', `m1=127.0.0.1:${raftPort}`, '--http', `127.0.0.1:${httpPort}`, '--data-dir', dataDir]);
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toContain(raftDir);
  });

  it('takes settings from KAIROS_* variables and a config file, flags winning', async () => {
    const [raftPort, httpPort] = await freePorts(2);
    const configFile = join(root, 'master.json');
    writeFileSync(configFile, JSON.stringify({ peers: { m1: `127.0.0.1:${raftPort}` }, http: '127.0.0.1:1', electionTicks: 12 }));
    const proc = spawnKairos(['master', '--id', 'm1', '--http', `127.0.0.1:${httpPort}`], {
      KAIROS_CONFIG: configFile,
      KAIROS_DATA_DIR: join(root, 'from-env'),
    });
    try {
      const status = await waitFor('single replica to lead', async () => {
        const response = await fetch(`http://127.0.0.1:${httpPort}/raft/status`);
        const body = (await response.json()) as { role: string };
        return body.role === 'leader' ? body : undefined;
      });
      expect(status.role).toBe('leader');
      expect(existsSync(join(root, 'from-env', 'raft'))).toBe(true);
    } finally {
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    }
  });
});
