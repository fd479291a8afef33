/**
 * Goal: `kairos master` configuration resolves flags > KAIROS_* env > config file > defaults and
 * rejects bad settings with a ConfigError naming the setting, before anything is written.
 * Method: call resolveMasterConfig with hand-made inputs; temp files for the config-file cases.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envName, parsePeers, resolveMasterConfig } from '../../../src/cli/config.js';
import { ConfigError } from '../../../src/lib/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'kairos-config-'));
const base = { id: 'm1', peers: 'm1=127.0.0.1:5150,m2=127.0.0.1:5160', http: '127.0.0.1:5050', dataDir: join(dir, 'd') };

describe('master configuration', () => {
  it('maps camelCase settings to KAIROS_ env names', () => {
    expect(envName('dataDir')).toBe('KAIROS_DATA_DIR');
    expect(envName('electionTicks')).toBe('KAIROS_ELECTION_TICKS');
  });

  it('parses peers and refuses duplicates and malformed entries', () => {
    expect(parsePeers('a=h:1, b=h:2')).toEqual({ a: 'h:1', b: 'h:2' });
    expect(() => parsePeers('a=h:1,a=h:2')).toThrow(/appears twice/);
    expect(() => parsePeers('nonsense')).toThrow(/not id=host:port/);
  });

  it('fills defaults', () => {
    const config = resolveMasterConfig(base, {});
    expect(config).toMatchObject({ tickMs: 10, electionTicks: 100, heartbeatTicks: 5, logLevel: 'info', logPretty: false });
    expect(config.peers).toEqual({ m1: '127.0.0.1:5150', m2: '127.0.0.1:5160' });
  });

  it('prefers flags over env over file', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ tickMs: 7, electionTicks: 40, heartbeatTicks: 2 }));
    const config = resolveMasterConfig({ ...base, config: file, tickMs: '5' }, { KAIROS_TICK_MS: '6', KAIROS_ELECTION_TICKS: '30' });
    expect(config.tickMs).toBe(5);
    expect(config.electionTicks).toBe(30);
    expect(config.heartbeatTicks).toBe(2);
  });

  it.each([
    [{ http: 'nohost' }, /--http: must be host:port/],
    [{ id: 'bad id!' }, /--id/],
    [{ id: 'm3' }, /own id "m3"/],
    [{ tickMs: 'fast' }, /--tick-ms: "fast" is not a number/],
    [{ heartbeatTicks: '100' }, /--heartbeat-ticks must be smaller/],
    [{ logLevel: 'loud' }, /--log-level/],
  ])('rejects %o', (override, message) => {
    expect(() => resolveMasterConfig({ ...base, ...override }, {})).toThrow(message);
  });

  it('takes role settings as JSON from --roles, KAIROS_ROLES or the file, and refuses bad ones', () => {
    const roles = { ops: { weight: 2, priority: 1, quota: { cpus: 4, mem: 4096 } }, '*': { weight: 0.5 } };
    expect(resolveMasterConfig({ ...base, roles: JSON.stringify(roles) }, {}).roles).toEqual(roles);
    expect(resolveMasterConfig(base, { KAIROS_ROLES: '{"web":{"priority":3}}' }).roles).toEqual({ web: { priority: 3 } });
    const file = join(dir, 'roles.json');
    writeFileSync(file, JSON.stringify({ roles: { batch: { weight: 1.5 } } }));
    expect(resolveMasterConfig({ ...base, config: file }, {}).roles).toEqual({ batch: { weight: 1.5 } });
    expect(resolveMasterConfig(base, {}).roles).toEqual({});
    const refused = (value: string): string => {
      try {
        resolveMasterConfig({ ...base, roles: value }, {});
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as Error).message;
      }
      throw new Error(`--roles ${value} was accepted`);
    };
    expect(refused('{oops')).toMatch(/^--roles: not JSON/);
    expect(refused('{"ops":{"weight":0}}')).toMatch(/^--roles: /);
    expect(refused('{"ops":{"quota":{"cpus":-1}}}')).toMatch(/^--roles: /);
    expect(refused('{"ops":{"wieght":2}}')).toMatch(/^--roles: /);
    expect(refused('{"bad role":{}}')).toMatch(/^--roles: /);
    expect(refused('{"*":{"quota":{"cpus":1}}}')).toBe('--roles: the default role * cannot have a quota');
  });

  it('names the config file when it is unreadable or not an object', () => {
    expect(() => resolveMasterConfig({ ...base, config: join(dir, 'missing.json') }, {})).toThrow(ConfigError);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[1,2]');
    expect(() => resolveMasterConfig({ ...base, config: bad }, {})).toThrow(/bad\.json is not a valid JSON object/);
  });

  it('refuses a data dir that is a file', () => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    expect(() => resolveMasterConfig({ ...base, dataDir: file }, {})).toThrow(/is not a directory/);
  });
});
