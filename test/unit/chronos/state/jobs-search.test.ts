/**
 * The joined-text search index answers exactly like the per-job test Chronos' `/jobs/search`
 * describes (name AND command contain their terms, or `any` is in either), in store order.
 * Method: fast-check over random job texts and terms from a small alphabet (so hits are common),
 * including the NUL the index uses as a separator; plus the store's offset/limit paging.
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { SearchIndex, type SearchTerms } from '../../../../src/chronos/state/jobs-search.js';
import { jobPut } from '../../../../src/chronos/state/jobs-commands.js';
import { JobStore } from '../../../../src/chronos/state/jobs.js';

const text = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-', '\u0000'), maxLength: 6 });
const term = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-', '\u0000'), maxLength: 3 });

function naive(entries: ReadonlyArray<{ name: string; command: string }>, terms: SearchTerms): number[] {
  return entries.flatMap((entry, index) =>
    (entry.name.includes(terms.name) && entry.command.includes(terms.command)) ||
    (terms.any !== '' && (entry.name.includes(terms.any) || entry.command.includes(terms.any)))
      ? [index]
      : [],
  );
}

test.prop([fc.array(fc.record({ name: text, command: text }), { maxLength: 30 }), fc.record({ name: term, command: term, any: term })], { numRuns: 500 })(
  'matching() equals the per-job test',
  (entries, terms) => {
    expect(new SearchIndex(entries).matching(terms)).toEqual(naive(entries, terms));
  },
);

describe('JobStore.search', () => {
  it('pages the matches in store order and sees changes made after the index was built', () => {
    const store = new JobStore();
    let index = 0;
    const put = (name: string, command: string) => store.apply({ ...jobPut({ name, command, schedule: '@daily' }, 'scheduled', 0) }, ++index);
    for (let i = 0; i < 25; i++) put(`job-${i}`, i % 2 === 0 ? 'echo EVEN' : 'echo odd');
    const names = (query: Parameters<JobStore['search']>[0]) => store.search(query).map((stored) => stored.job.name);
    expect(names({ name: 'JOB-1', limit: 10, offset: 0 })).toEqual(['job-1', 'job-10', 'job-11', 'job-12', 'job-13', 'job-14', 'job-15', 'job-16', 'job-17', 'job-18']);
    expect(names({ name: 'job-1', limit: 10, offset: 8 })).toEqual(['job-17', 'job-18', 'job-19']);
    expect(names({ name: 'job-2', command: 'even', limit: 10, offset: 0 })).toEqual(['job-2', 'job-20', 'job-22', 'job-24']);
    put('job-2', 'echo odd now');
    put('zz', 'echo even');
    expect(names({ name: 'job-2', command: 'even', limit: 10, offset: 0 })).toEqual(['job-20', 'job-22', 'job-24']);
    expect(names({ name: 'nothing', any: 'zz', limit: 10, offset: 0 })).toEqual(['zz']);
    expect(names({ limit: 3, offset: 23 })).toEqual(['job-23', 'job-24', 'zz']);
  });
});
