/**
 * Goal 12 (BENCHMARKS.md): the shared codec (src/lib/codec.ts) against JSON on the same objects.
 *   1. A ~300-byte Raft append frame (src/raft/core/types.ts Message with one small entry):
 *      encode+decode time per frame. JSON cannot carry bytes, so its twin holds the entry data
 *      as base64 — what a JSON wire would have to send.
 *   2. A 100,000-task snapshot of Mesos-shaped task objects: encode and decode time, and size.
 * Each figure is the median of 5 runs. An informative row shows msgpackr with records
 * (shared structures) — what the snapshot would gain if snapshots used them.
 */
import { Packr } from 'msgpackr';
import { decode, encode, encodeDocument } from '../src/lib/codec.js';
import { decodeMessage, encodeMessage } from '../src/raft/transport/message-codec.js';
import { SeededRng } from '../src/lib/rng.js';
import type { Message } from '../src/raft/core/types.js';
import { makeTasks } from './lib/mesos-tasks.js';
import { timePerOperationNs, type Scenario, type ScenarioReport } from './lib/scenario.js';
import { median, ratio } from './lib/stats.js';
import type { Table } from './lib/table.js';

const RUNS = 5;
const FRAME_ITERATIONS = 50_000;
const SNAPSHOT_TASKS = 100_000;

/** An append carrying one task-status command, the commonest entry in a busy master's log. */
export function makeAppendFrame(): Message {
  const command = encode({
    t: 'task.status',
    taskId: 'chronos.backup-db.1718000000000.7f3a9c2e-52a1',
    agentId: '2b6d1f9e-8c47-4a3b-a1d5-0e9f7c3b2a18-S12',
    state: 'TASK_RUNNING',
    source: 'SOURCE_EXECUTOR',
    timestampMs: 1_718_000_123_456,
  });
  return {
    type: 'app', from: 'm1', to: 'm2', term: 42, logTerm: 42, index: 1_234_567, commit: 1_234_560,
    entries: [{ term: 42, index: 1_234_568, type: 0, data: command }],
    reject: false, rejectHint: 0, snapshot: null, context: null,
  };
}

function jsonTwin(frame: Message): unknown {
  return { ...frame, entries: frame.entries.map((entry) => ({ ...entry, data: Buffer.from(entry.data).toString('base64') })) };
}

interface FrameFigures {
  codecBytes: number;
  jsonBytes: number;
  codecNsPerFrame: number;
  jsonNsPerFrame: number;
  jsonBytesNsPerFrame: number;
}

function benchFrame(): FrameFigures {
  const frame = makeAppendFrame();
  const twin = jsonTwin(frame);
  let sink = 0;
  const codecRuns = [] as number[];
  const jsonRuns = [] as number[];
  const jsonBytesRuns = [] as number[];
  for (let run = 0; run < RUNS; run++) {
    // Interleaved so machine noise hits all three alike.
    codecRuns.push(timePerOperationNs(FRAME_ITERATIONS, () => (sink += decodeMessage(encodeMessage(frame)).index)));
    jsonRuns.push(timePerOperationNs(FRAME_ITERATIONS, () => (sink += (JSON.parse(JSON.stringify(twin)) as Message).index)));
    jsonBytesRuns.push(
      timePerOperationNs(FRAME_ITERATIONS, () => (sink += (JSON.parse(Buffer.from(JSON.stringify(twin)).toString()) as Message).index)),
    );
  }
  if (sink === 0) throw new Error('unreachable: keeps the optimiser honest');
  return {
    codecBytes: encodeMessage(frame).length,
    jsonBytes: Buffer.byteLength(JSON.stringify(twin)),
    codecNsPerFrame: median(codecRuns),
    jsonNsPerFrame: median(jsonRuns),
    jsonBytesNsPerFrame: median(jsonBytesRuns),
  };
}

/** One snapshot codec's figures: medians over RUNS of encode and decode wall time. */
interface SnapshotFigures {
  bytes: number;
  encodeMs: number;
  decodeMs: number;
  totalMs: number;
}

function benchSnapshotCodec(state: unknown, pack: (value: unknown) => Uint8Array, unpack: (bytes: Uint8Array) => unknown, runs = RUNS): SnapshotFigures {
  const encodeRuns: number[] = [];
  const decodeRuns: number[] = [];
  let bytes = 0;
  for (let run = 0; run < runs; run++) {
    const encodeStart = performance.now();
    const packed = pack(state);
    const decodeStart = performance.now();
    unpack(packed);
    decodeRuns.push(performance.now() - decodeStart);
    encodeRuns.push(decodeStart - encodeStart);
    bytes = packed.length;
  }
  const encodeMs = median(encodeRuns);
  const decodeMs = median(decodeRuns);
  return { bytes, encodeMs, decodeMs, totalMs: encodeMs + decodeMs };
}

function benchSnapshot(): { codec: SnapshotFigures; json: SnapshotFigures; records: SnapshotFigures } {
  const state = { tasks: makeTasks(SNAPSHOT_TASKS, new SeededRng(12)) };
  const plainPackr = new Packr({ useRecords: false, moreTypes: false });
  return {
    codec: benchSnapshotCodec(state, encodeDocument, decode),
    json: benchSnapshotCodec(state, (value) => Buffer.from(JSON.stringify(value)), (bytes) => JSON.parse(Buffer.from(bytes).toString())),
    // Informative only, so fewer runs: a 100,000-task snapshot costs seconds per run.
    records: benchSnapshotCodec(state, (value) => plainPackr.pack(value), decode, 3),
  };
}

function frameTable(frame: FrameFigures): Table {
  return {
    title: 'Codec: ~300 B Raft append frame, encode+decode (goal 12: ≤ 3 µs)',
    header: ['codec', 'bytes', 'µs per frame', 'ours ÷ this'],
    rows: [
      ['wire tuple codec (msgpackr)', frame.codecBytes, frame.codecNsPerFrame / 1000, '1.00×'],
      ['JSON stringify/parse', frame.jsonBytes, frame.jsonNsPerFrame / 1000, ratioText(frame.codecNsPerFrame, frame.jsonNsPerFrame)],
      ['JSON + Buffer conversion', frame.jsonBytes, frame.jsonBytesNsPerFrame / 1000, ratioText(frame.codecNsPerFrame, frame.jsonBytesNsPerFrame)],
    ],
    notes: [`Median of ${RUNS} runs × ${FRAME_ITERATIONS.toLocaleString('en-US')} frames; JSON carries the entry bytes as base64.`],
  };
}

function snapshotTable(snapshot: ReturnType<typeof benchSnapshot>): Table {
  const row = (name: string, figures: SnapshotFigures): (string | number)[] => [
    name, figures.bytes / 2 ** 20, figures.encodeMs, figures.decodeMs, figures.totalMs,
    ratioText(snapshot.codec.totalMs, figures.totalMs), ratioText(snapshot.codec.bytes, figures.bytes),
  ];
  return {
    title: `Codec: ${SNAPSHOT_TASKS.toLocaleString('en-US')}-task snapshot (goal 12: ≤ 1 s, ≥ 40% smaller than JSON)`,
    header: ['codec', 'MiB', 'encode ms', 'decode ms', 'total ms', 'ours ÷ this (time)', 'ours ÷ this (size)'],
    rows: [row('encodeDocument (msgpackr records)', snapshot.codec), row('JSON (to bytes)', snapshot.json), row('plain msgpackr map (informative)', snapshot.records)],
    notes: [`Median of ${RUNS} runs (records: 3). Size saving vs JSON: ${((1 - snapshot.codec.bytes / snapshot.json.bytes) * 100).toFixed(1)}%.`],
  };
}

function ratioText(ours: number, reference: number): string {
  return `${ratio(ours, reference).toFixed(2)}×`;
}

export const codecScenario: Scenario = {
  name: 'codec',
  description: 'src/lib/codec vs JSON: 300 B Raft frame and 100,000-task snapshot (goal 12)',
  run(context): Promise<ScenarioReport> {
    context.progress('codec: frame');
    const frame = benchFrame();
    context.progress('codec: snapshot of 100,000 tasks');
    const snapshot = benchSnapshot();
    return Promise.resolve({
      tables: [frameTable(frame), snapshotTable(snapshot)],
      figures: { runs: RUNS, frame, snapshot, snapshotSavingVsJson: 1 - snapshot.codec.bytes / snapshot.json.bytes },
    });
  },
};
