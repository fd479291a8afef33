/**
 * Linearizability of a key/value history, checked per key against a register model
 * (Wing & Gong's search with Lowe's memoisation, as in Knossos and Porcupine).
 *
 * A history is a list of operations with logical invoke/complete times (a total order of
 * events). A completed operation must take effect at one instant between its invocation and its
 * completion; an *indeterminate* write (the client gave up: timeout, crash) may take effect at
 * any instant after its invocation, or never (so one that no read observed is dropped). Reads
 * that failed are left out by the recorder: they have no effect. Written values are unique. Keys are independent registers, so each is searched on its own, which
 * keeps the search small; `maxStates` bounds it anyway and reports when the bound was hit.
 */

export interface KvOperation {
  client: string;
  key: string;
  kind: 'put' | 'get';
  /** put: the value written; get: the value read (null = absent). */
  value: string | null;
  invokedAt: number;
  /** null when the outcome is unknown (writes only). */
  completedAt: number | null;
}

export type LinearizabilityResult =
  | { ok: true; keys: number; operations: number; statesExplored: number }
  | { ok: false; key: string; reason: string; operations: KvOperation[] };

export function checkKvLinearizable(history: readonly KvOperation[], maxStates = 200_000): LinearizabilityResult {
  // An indeterminate write that no read observed may be taken never to have happened: dropping
  // it keeps the search small without hiding anything a read could contradict.
  const observed = new Set<string>();
  for (const operation of history) {
    if (operation.kind === 'get' && operation.completedAt !== null && operation.value !== null) observed.add(operation.value);
  }
  const byKey = new Map<string, KvOperation[]>();
  for (const operation of history) {
    if (operation.kind === 'get' && operation.completedAt === null) continue;
    if (operation.kind === 'put' && operation.completedAt === null && !observed.has(operation.value ?? '')) continue;
    let list = byKey.get(operation.key);
    if (list === undefined) byKey.set(operation.key, (list = []));
    list.push(operation);
  }
  let statesExplored = 0;
  for (const [key, operations] of byKey) {
    const result = checkRegister(operations, maxStates);
    statesExplored += result.states;
    if (result.verdict !== 'ok') {
      const reason =
        result.verdict === 'budget'
          ? `search gave up after ${maxStates} states (history too concurrent for this key)`
          : 'no order of these operations is consistent with a register';
      return { ok: false, key, reason, operations };
    }
  }
  return { ok: true, keys: byKey.size, operations: history.length, statesExplored };
}

interface SearchResult {
  verdict: 'ok' | 'violation' | 'budget';
  states: number;
}

/**
 * Depth-first search over "which pending operation takes effect next". An operation may go next
 * only if it was invoked before every not-yet-linearized completed operation returned.
 */
function checkRegister(unsorted: readonly KvOperation[], maxStates: number): SearchResult {
  const operations = [...unsorted].sort((a, b) => a.invokedAt - b.invokedAt);
  const count = operations.length;
  const returns = operations.map((op) => op.completedAt ?? Infinity);
  const mustLinearize = operations.filter((op) => op.completedAt !== null).length;
  const done = new Uint8Array(count);
  const visited = new Set<string>();
  let states = 0;

  const search = (state: string | null, linearizedCompleted: number): 'ok' | 'violation' | 'budget' => {
    if (linearizedCompleted === mustLinearize) return 'ok';
    const memoKey = `${doneKey(done)}|${state ?? ''}`;
    if (visited.has(memoKey)) return 'violation';
    visited.add(memoKey);
    if (++states > maxStates) return 'budget';
    let earliestReturn = Infinity;
    for (let k = 0; k < count; k++) if (done[k] === 0 && returns[k]! < earliestReturn) earliestReturn = returns[k]!;
    for (let k = 0; k < count; k++) {
      const op = operations[k]!;
      if (done[k] !== 0) continue;
      if (op.invokedAt > earliestReturn) break;
      if (op.kind === 'get' && op.value !== state) continue;
      done[k] = 1;
      const next = op.kind === 'put' ? op.value : state;
      const outcome = search(next, linearizedCompleted + (op.completedAt !== null ? 1 : 0));
      done[k] = 0;
      if (outcome !== 'violation') return outcome;
    }
    return 'violation';
  };

  const verdict = search(null, 0);
  return { verdict, states };
}

function doneKey(done: Uint8Array): string {
  let key = '';
  for (let k = 0; k < done.length; k += 16) {
    let word = 0;
    for (let bit = 0; bit < 16 && k + bit < done.length; bit++) if (done[k + bit] !== 0) word |= 1 << bit;
    key += String.fromCharCode(word);
  }
  return key;
}
