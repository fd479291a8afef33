/**
 * The machine's default resources (Mesos: all CPUs, memory and disk minus headroom,
 * ports 31000–32000), read from the OS and the work dir's file system.
 */
import { mkdirSync, statfsSync } from 'node:fs';
import os from 'node:os';

/** Memory kept for the OS and the agent: half of it on small machines, at most 1 GB. */
export function memHeadroomMb(totalMb: number): number {
  return Math.min(1024, Math.floor(totalMb / 2));
}

/** Disk kept free: half of it on small disks, at most 5 GB (Mesos' DEFAULT_DISK_HEADROOM idea). */
export function diskHeadroomMb(totalMb: number): number {
  return Math.min(5 * 1024, Math.floor(totalMb / 2));
}

export interface MachineDefaults {
  cpus: number;
  memMb: number;
  diskMb: number;
}

export function detectMachineResources(workDir: string): MachineDefaults {
  const cpus = Math.max(1, os.cpus().length);
  const totalMemMb = Math.floor(os.totalmem() / (1024 * 1024));
  mkdirSync(workDir, { recursive: true });
  const fs = statfsSync(workDir);
  const totalDiskMb = Math.floor((fs.blocks * fs.bsize) / (1024 * 1024));
  return { cpus, memMb: totalMemMb - memHeadroomMb(totalMemMb), diskMb: totalDiskMb - diskHeadroomMb(totalDiskMb) };
}
