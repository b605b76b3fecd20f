import { describe, expect, it } from 'vitest';
import { isoWeekOf, isoWeekWindow, parseWindow, previousIsoWeek } from '../../core/time/window.js';

describe('time windows', () => {
  it.each([
    ['2026-W47', '2026-11-16T00:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    ['2026-W01', '2025-12-29T00:00:00.000Z', '2026-01-05T00:00:00.000Z'],
    ['2020-W53', '2020-12-28T00:00:00.000Z', '2021-01-04T00:00:00.000Z'],
  ])('maps ISO week %s to [%s, %s)', (week, start, end) => {
    expect(isoWeekWindow(week)).toEqual({ start, end });
    expect(isoWeekOf(Date.parse(start))).toBe(week);
    expect(isoWeekOf(Date.parse(end) - 1)).toBe(week);
  });

  it('finds the previous week across a year boundary', () => {
    expect(previousIsoWeek('2026-W01')).toBe('2025-W52');
  });

  it.each(['2026-W54', '2026-47', 'W47'])('rejects %s', (w) => {
    expect(() => isoWeekWindow(w)).toThrow(/week/);
  });

  it('accepts dates and date-times as UTC and rejects an empty or unaligned window', () => {
    expect(parseWindow('2026-11-16', '2026-11-23T00:00:00Z')).toEqual({
      start: '2026-11-16T00:00:00.000Z',
      end: '2026-11-23T00:00:00.000Z',
    });
    expect(() => parseWindow('2026-11-16', '2026-11-16')).toThrow(/after/);
    expect(() => parseWindow('2026-11-16T00:30:00Z', '2026-11-17')).toThrow(/whole hours/);
    expect(() => parseWindow('yesterday', '2026-11-17')).toThrow(/ISO-8601/);
  });
});
