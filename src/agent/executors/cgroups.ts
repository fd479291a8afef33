/**
 * cgroup cpu/memory limits for command tasks. Detects v1 (one hierarchy per controller, as on
 * this machine) or v2 (unified), and probes that we may create groups under a `kairos` parent.
 * When we may not, `detectCgroups` returns null with the reason, and tasks run unlimited — the
 * caller says so once at start.
 *
 * A task joins its group from inside its wrapper (it writes its own pid to `cgroup.procs`
 * before exec'ing the command), so there is no window in which the command runs unconfined.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TaskLimits } from '../types.js';

const CFS_PERIOD_US = 100_000;

export interface CgroupController {
  readonly version: 'v1' | 'v2';
  /** Creates the task's group(s) with its limits; returns the cgroup.procs files to join. */
  create(containerId: string, limits: TaskLimits): string[];
  /** Whether the kernel OOM killer killed something in the group. */
  oomKilled(containerId: string): boolean;
  /** Removes the task's groups (best effort: fails harmlessly while processes remain). */
  destroy(containerId: string): void;
}

export type CgroupDetection = { controller: CgroupController } | { controller: null; reason: string };

/** Finds a writable cgroup hierarchy under `root`, or says why there is none. */
export function detectCgroups(root = '/sys/fs/cgroup'): CgroupDetection {
  try {
    if (existsSync(join(root, 'cgroup.controllers'))) return probe(new CgroupV2(join(root, 'kairos'), root));
    if (existsSync(join(root, 'memory')) && existsSync(join(root, 'cpu'))) {
      return probe(new CgroupV1(join(root, 'memory', 'kairos'), join(root, 'cpu', 'kairos')));
    }
    return { controller: null, reason: `no cgroup v1 memory/cpu or v2 hierarchy under ${root}` };
  } catch (error) {
    return { controller: null, reason: `cgroups not writable: ${(error as Error).message}` };
  }
}

function probe(controller: CgroupController): CgroupDetection {
  const probeId = `probe-${process.pid}`;
  controller.create(probeId, { memMb: 64, cpus: 1 });
  controller.destroy(probeId);
  return { controller };
}

class CgroupV1 implements CgroupController {
  readonly version = 'v1';
  constructor(private readonly memoryParent: string, private readonly cpuParent: string) {}

  create(containerId: string, limits: TaskLimits): string[] {
    const memoryDir = join(this.memoryParent, containerId);
    const cpuDir = join(this.cpuParent, containerId);
    mkdirSync(memoryDir, { recursive: true });
    mkdirSync(cpuDir, { recursive: true });
    if (limits.memMb !== undefined) {
      const bytes = String(Math.floor(limits.memMb * 1024 * 1024));
      writeFileSync(join(memoryDir, 'memory.limit_in_bytes'), bytes);
      // Without the memsw limit a task could swap past its memory limit.
      const memsw = join(memoryDir, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) writeFileSync(memsw, bytes);
    }
    if (limits.cpus !== undefined) {
      writeFileSync(join(cpuDir, 'cpu.shares'), String(Math.max(2, Math.round(limits.cpus * 1024))));
      writeFileSync(join(cpuDir, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      writeFileSync(join(cpuDir, 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(limits.cpus * CFS_PERIOD_US))));
    }
    return [join(memoryDir, 'cgroup.procs'), join(cpuDir, 'cgroup.procs')];
  }

  oomKilled(containerId: string): boolean {
    return readCounter(join(this.memoryParent, containerId, 'memory.oom_control'), 'oom_kill') > 0;
  }

  destroy(containerId: string): void {
    removeDir(join(this.memoryParent, containerId));
    removeDir(join(this.cpuParent, containerId));
  }
}

class CgroupV2 implements CgroupController {
  readonly version = 'v2';
  constructor(private readonly parent: string, private readonly root: string) {}

  create(containerId: string, limits: TaskLimits): string[] {
    mkdirSync(this.parent, { recursive: true });
    // Children of `parent` can only use controllers the parent delegates.
    writeFileSync(join(this.root, 'cgroup.subtree_control'), '+memory +cpu');
    writeFileSync(join(this.parent, 'cgroup.subtree_control'), '+memory +cpu');
    const dir = join(this.parent, containerId);
    mkdirSync(dir, { recursive: true });
    if (limits.memMb !== undefined) {
      writeFileSync(join(dir, 'memory.max'), String(Math.floor(limits.memMb * 1024 * 1024)));
      if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
    }
    if (limits.cpus !== undefined) {
      writeFileSync(join(dir, 'cpu.max'), `${Math.max(1000, Math.round(limits.cpus * CFS_PERIOD_US))} ${CFS_PERIOD_US}`);
    }
    return [join(dir, 'cgroup.procs')];
  }

  oomKilled(containerId: string): boolean {
    return readCounter(join(this.parent, containerId, 'memory.events'), 'oom_kill') > 0;
  }

  destroy(containerId: string): void {
    removeDir(join(this.parent, containerId));
  }
}

/** Reads `name N` from a flat-keyed cgroup file; 0 when absent. */
function readCounter(file: string, name: string): number {
  try {
    const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : 0;
  } catch {
    return 0;
  }
}

function removeDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Still populated or already gone; a later destroy or the GC retries.
  }
}
