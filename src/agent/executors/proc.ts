/**
 * Linux process facts the executors need: a process's start time (so a recycled pid is told
 * apart from the process we launched), whether that exact process still runs, signalling a
 * whole process group, and user lookup. Reads /proc directly; Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ProcessIdentity } from '../types.js';

export interface ProcStat {
  state: string;
  pgid: number;
  /** Field 22: start time in clock ticks since boot. */
  startTime: number;
}

/** Parses /proc/<pid>/stat; null when the process does not exist. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0] ?? '?';
  const pgid = Number(rest[2]);
  const startTime = Number(rest[19]);
  return { state, pgid, startTime };
}

/** The identity of a running pid, or null when it is gone. */
export function identify(pid: number): ProcessIdentity | null {
  const stat = readProcStat(pid);
  return stat ? { pid, startTime: stat.startTime } : null;
}

/** Whether /proc/<pid>/environ holds exactly `entry` (NAME=value); false when unreadable. */
export function environHas(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(entry);
  } catch {
    return false;
  }
}

/** True while the very process in `identity` exists and is not a zombie. */
export function isRunning(identity: ProcessIdentity): boolean {
  const stat = readProcStat(identity.pid);
  return stat !== null && stat.startTime === identity.startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * Signals the process group led by `identity.pid` — only if that leader is still the process
 * we launched (a recycled pid must never be signalled). Returns whether a signal was sent.
 */
export function signalGroup(identity: ProcessIdentity, signal: NodeJS.Signals): boolean {
  if (!isRunning(identity)) return groupHasMembers(identity.pid) ? sendToGroup(identity.pid, signal) : false;
  return sendToGroup(identity.pid, signal);
}

function sendToGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether any live process still belongs to process group `pgid` (orphaned descendants). */
export function groupHasMembers(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

/** Pids of live (non-zombie) processes in process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return members;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat && stat.pgid === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(Number(name));
  }
  return members;
}

export interface UserIds {
  uid: number;
  gid: number;
  home: string;
}

/** Looks a user up in /etc/passwd (Node has no getpwnam); null when unknown. */
export function lookupUser(name: string, passwdText?: string): UserIds | null {
  const text = passwdText ?? readFileSync('/etc/passwd', 'utf8');
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] !== name || fields.length < 7) continue;
    return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] ?? '/' };
  }
  return null;
}
