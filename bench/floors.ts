/**
 * Physical floors on this machine (BENCHMARKS.md goals 2 and 3 divide by them):
 *   - fdatasync: append 4 KiB + fdatasync, and overwrite 4 KiB of a preallocated file + fdatasync;
 *   - LevelDB (`level`): one synced put at a time, and synced batches of 100 entries;
 *   - loopback TCP: a ~300 B msgpackr frame to an echo server in another process and back.
 * Files live in the scenario's temp dir, on the same disk as the Raft benchmarks' data dirs.
 */
import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Level } from 'level';
import { decode, encode } from '../src/lib/codec.js';
import { makeAppendFrame } from './codec.js';
import { waitFor } from './lib/process.js';
import type { Scenario, ScenarioReport } from './lib/scenario.js';
import { median, SampleBuffer, summarize, type Summary } from './lib/stats.js';
import type { Table } from './lib/table.js';

const FSYNC_SAMPLES = 2000;
const LEVEL_PUT_SAMPLES = 1000;
const LEVEL_BATCHES = 200;
const BATCH_SIZE = 100;
const BATCH_RUNS = 5;
const TCP_SAMPLES = 20_000;
const BLOCK = Buffer.alloc(4096, 0x5a);

function measureMicros(samples: number, operation: (sample: number) => void): Summary {
  const buffer = new SampleBuffer();
  for (let sample = 0; sample < samples; sample++) {
    const start = performance.now();
    operation(sample);
    buffer.push((performance.now() - start) * 1000);
  }
  return summarize(buffer.toArray());
}

function fsyncAppend(path: string): Summary {
  const fd = openSync(path, 'a');
  try {
    return measureMicros(FSYNC_SAMPLES, () => {
      writeSync(fd, BLOCK);
      fdatasyncSync(fd);
    });
  } finally {
    closeSync(fd);
  }
}

function fsyncPreallocated(path: string): Summary {
  const fd = openSync(path, 'w');
  try {
    for (let block = 0; block < FSYNC_SAMPLES; block++) writeSync(fd, BLOCK);
    fdatasyncSync(fd); // the file's size and extents are now stable: later syncs carry data only
    return measureMicros(FSYNC_SAMPLES, (sample) => {
      writeSync(fd, BLOCK, 0, BLOCK.length, sample * BLOCK.length);
      fdatasyncSync(fd);
    });
  } finally {
    closeSync(fd);
  }
}

interface LevelFigures {
  putMicros: Summary;
  putsPerSec: number;
  batchEntriesPerSec: number;
  batchEntriesPerSecRuns: number[];
}

async function levelFloors(directory: string): Promise<LevelFigures> {
  const db = new Level<string, Buffer>(directory, { valueEncoding: 'buffer' });
  await db.open();
  const value = Buffer.alloc(100, 0x61);
  try {
    const putSamples = new SampleBuffer();
    const putsStart = performance.now();
    for (let put = 0; put < LEVEL_PUT_SAMPLES; put++) {
      const start = performance.now();
      await db.put(`put/${put.toString().padStart(8, '0')}`, value, { sync: true });
      putSamples.push((performance.now() - start) * 1000);
    }
    const putsPerSec = (LEVEL_PUT_SAMPLES * 1000) / (performance.now() - putsStart);
    const batchRuns: number[] = [];
    for (let run = 0; run < BATCH_RUNS; run++) {
      const start = performance.now();
      for (let batch = 0; batch < LEVEL_BATCHES; batch++) {
        const operations = Array.from({ length: BATCH_SIZE }, (_unused, entry) => ({
          type: 'put' as const, key: `batch/${run}/${batch}/${entry.toString().padStart(3, '0')}`, value,
        }));
        await db.batch(operations, { sync: true });
      }
      batchRuns.push((LEVEL_BATCHES * BATCH_SIZE * 1000) / (performance.now() - start));
    }
    return { putMicros: summarize(putSamples.toArray()), putsPerSec, batchEntriesPerSec: median(batchRuns), batchEntriesPerSecRuns: batchRuns };
  } finally {
    await db.close();
  }
}

/** An echo server in a separate Node process, so the round trip crosses processes like Raft. */
const ECHO_SERVER = `
const net = await import('node:net');
const server = net.createServer((socket) => { socket.setNoDelay(true); socket.on('data', (chunk) => socket.write(chunk)); });
server.listen(0, '127.0.0.1', () => console.log(String(server.address().port)));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

async function tcpRoundTrip(): Promise<Summary> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', ECHO_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = await waitFor(async () => (output.includes('\n') ? Number(output.trim()) : null), { timeoutMs: 5000, what: 'echo server port' });
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolvePromise, reject) => socket.once('connect', resolvePromise).once('error', reject));
    const samples = await pingPong(socket, encode(makeAppendFrame()));
    socket.destroy();
    return summarize(samples);
  } finally {
    child.stdin.end();
    child.kill();
  }
}

async function pingPong(socket: Socket, frame: Buffer): Promise<Float64Array> {
  const samples = new SampleBuffer();
  let received = 0;
  let chunks: Buffer[] = [];
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    chunks.push(chunk);
    if (received >= frame.length && wake !== null) wake();
  });
  for (let sample = 0; sample < TCP_SAMPLES; sample++) {
    const start = performance.now();
    const arrived = new Promise<void>((resolvePromise) => (wake = resolvePromise));
    socket.write(frame);
    await arrived;
    decode(Buffer.concat(chunks)); // a real receiver decodes what it got
    samples.push((performance.now() - start) * 1000);
    received = 0;
    chunks = [];
  }
  return samples.toArray();
}

function floorsTable(figures: FloorsFigures): Table {
  const micros = (summary: Summary): number[] => [summary.p50, summary.p99];
  return {
    title: 'Floors on this machine (goals 2–3 divide by these)',
    header: ['floor', 'p50 µs', 'p99 µs', 'rate'],
    rows: [
      ['append 4 KiB + fdatasync', ...micros(figures.fsyncAppendMicros), `${Math.round(1e6 / figures.fsyncAppendMicros.p50)} /s`],
      ['overwrite preallocated 4 KiB + fdatasync', ...micros(figures.fsyncPreallocatedMicros), `${Math.round(1e6 / figures.fsyncPreallocatedMicros.p50)} /s`],
      ['LevelDB put, sync', ...micros(figures.level.putMicros), `${Math.round(figures.level.putsPerSec)} puts/s`],
      [`LevelDB batch of ${BATCH_SIZE}, sync`, null, null, `${Math.round(figures.level.batchEntriesPerSec).toLocaleString('en-US')} entries/s`],
      ['loopback TCP round trip (~300 B msgpackr frame)', ...micros(figures.tcpRoundTripMicros), `${Math.round(1e6 / figures.tcpRoundTripMicros.p50)} /s`],
    ],
    notes: [`Samples: ${FSYNC_SAMPLES} syncs, ${LEVEL_PUT_SAMPLES} puts, ${BATCH_RUNS} runs × ${LEVEL_BATCHES} batches (median), ${TCP_SAMPLES} round trips.`],
  };
}

interface FloorsFigures {
  fsyncAppendMicros: Summary;
  fsyncPreallocatedMicros: Summary;
  level: LevelFigures;
  tcpRoundTripMicros: Summary;
}

export const floorsScenario: Scenario = {
  name: 'floors',
  description: 'fdatasync, synced LevelDB put and batch, loopback TCP round trip',
  async run(context): Promise<ScenarioReport> {
    context.progress('floors: fdatasync');
    const fsyncAppendMicros = fsyncAppend(join(context.workDir, 'append.dat'));
    const fsyncPreallocatedMicros = fsyncPreallocated(join(context.workDir, 'prealloc.dat'));
    context.progress('floors: LevelDB');
    const level = await levelFloors(join(context.workDir, 'level'));
    context.progress('floors: loopback TCP');
    const tcpRoundTripMicros = await tcpRoundTrip();
    const figures: FloorsFigures = { fsyncAppendMicros, fsyncPreallocatedMicros, level, tcpRoundTripMicros };
    return { tables: [floorsTable(figures)], figures: { ...figures } };
  },
};
