/**
 * Goal: tables print numbers readably and stay aligned. Method: worked examples of the number
 * formats and a check that every rendered table line has the same width.
 */
import { describe, expect, it } from 'vitest';
import { formatNumber, formatRatio, renderTable } from '../lib/table.js';

describe('formatNumber', () => {
  it('uses three significant figures and groups thousands', () => {
    expect(formatNumber(7227.4)).toBe('7,227');
    expect(formatNumber(302.4)).toBe('302');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(0.8812)).toBe('0.88');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('n/a');
    expect(formatRatio(1.5)).toBe('1.50×');
    expect(formatRatio(Number.NaN)).toBe('n/a');
  });
});

describe('renderTable', () => {
  it('aligns every row to the widest cell and prints notes', () => {
    const text = renderTable({ title: 'T', header: ['a', 'bbbb'], rows: [[1234.5, null], ['long cell here', 0.5]], notes: ['note'] });
    const tableLines = text.split('\n').filter((line) => line.startsWith('|'));
    expect(tableLines).toHaveLength(4);
    expect(new Set(tableLines.map((line) => line.length)).size).toBe(1);
    expect(text).toContain('| 1,235 ');
    expect(text).toContain('n/a');
    expect(text).toContain('\nnote\n');
  });
});
