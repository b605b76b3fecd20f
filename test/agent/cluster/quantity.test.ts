import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuantity, quantityOrZero } from '../../../adapters/kube/quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['1.5', 1.5],
    ['2Gi', 2 * 2 ** 30],
    ['1e3', 1000],
    ['1E3', 1000],
    ['512Mi', 512 * 2 ** 20],
    ['1G', 1e9],
    ['1k', 1000],
    ['1Ki', 1024],
    ['32386544Ki', 32386544 * 1024],
    ['7910m', 7.91],
    ['212345678n', 0.212345678],
    ['4u', 0.000004],
    ['1.5Gi', 1610612736],
    ['.5', 0.5],
    ['5.', 5],
    ['+2', 2],
    ['1e-3', 0.001],
    ['0', 0],
    ['100Ti', 100 * 2 ** 40],
    ['2E', 2e18],
    ['3Ei', 3 * 2 ** 60],
  ])('reads %s as %d', (q, expected) => {
    expect(parseQuantity(q)).toBeCloseTo(expected, 9);
  });

  it.each(['', 'abc', '1K', '1 Gi', '1gi', '1.2.3', 'Gi', '--1', '1e', '1Mib'])('rejects %j', (q) => {
    expect(() => parseQuantity(q)).toThrow(/not a Kubernetes quantity/);
    expect(quantityOrZero(q)).toBe(0);
  });

  it('scales every integer by its suffix exactly', () => {
    const suffixes: [string, number][] = [
      ['', 1],
      ['k', 1e3],
      ['M', 1e6],
      ['G', 1e9],
      ['Ki', 1024],
      ['Mi', 2 ** 20],
      ['Gi', 2 ** 30],
      ['m', 1e-3],
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom(...suffixes),
        (n, [suffix, mult]) => {
          expect(parseQuantity(`${n}${suffix}`)).toBeCloseTo(n * mult, 6);
        },
      ),
    );
  });

  it('never throws from quantityOrZero and never returns a negative or non-finite number', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = quantityOrZero(s);
        expect(Number.isFinite(v) && v >= 0).toBe(true);
      }),
    );
  });
});
