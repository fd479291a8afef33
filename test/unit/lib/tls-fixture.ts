/**
 * Test support: a throwaway PKI made with the openssl CLI (EC P-256 keys, so it takes
 * milliseconds): a cluster CA with a node certificate for 127.0.0.1/localhost, and an unrelated
 * "rogue" CA with its own node certificate, for the negative cases.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsConfig } from '../../../src/lib/net.js';

export interface TestPki {
  /** Node certificate signed by the cluster CA, trusting the cluster CA. */
  node: TlsConfig;
  /** Node certificate signed by the rogue CA, trusting the cluster CA. */
  rogue: TlsConfig;
  dispose(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function issue(dir: string, caName: string, name: string): void {
  openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  const extensions = join(dir, `${name}.ext`);
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\\n' > ${extensions}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.crt`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', extensions]);
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`]);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-pki-'));
  makeCa(dir, 'cluster-ca');
  makeCa(dir, 'rogue-ca');
  issue(dir, 'cluster-ca', 'node');
  issue(dir, 'rogue-ca', 'rogue');
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  const ca = read('cluster-ca.crt');
  return {
    node: { cert: read('node.crt'), key: read('node.key'), ca },
    rogue: { cert: read('rogue.crt'), key: read('rogue.key'), ca },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
