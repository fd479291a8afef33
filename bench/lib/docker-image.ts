/**
 * The local test image: no registry is reachable here, so Docker tests and benches build `kairos-busybox:test`
 * by `docker import` of a root filesystem holding the host's busybox-static, once per machine.
 */
import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_IMAGE = 'kairos-busybox:test';

/** Builds the test image when it is not there yet. */
export function ensureTestImage(): void {
  if (execFileSync('docker', ['images', '-q', TEST_IMAGE]).toString().trim() !== '') return;
  const rootfs = mkdtempSync(join(tmpdir(), 'kairos-rootfs-'));
  const applets = ['sh', 'echo', 'cat', 'sleep', 'env', 'ls', 'true', 'printenv', 'httpd', 'mkdir'];
  execSync(`mkdir -p ${rootfs}/bin ${rootfs}/tmp && cp /usr/bin/busybox ${rootfs}/bin/busybox && cd ${rootfs}/bin && for a in ${applets.join(' ')}; do ln -s busybox $a; done`);
  execSync(`tar -C ${rootfs} -c . | docker import -c 'ENV PATH=/bin' - ${TEST_IMAGE}`);
  rmSync(rootfs, { recursive: true, force: true });
}
