/**
 * Kubernetes resource quantities (`500m`, `1.5`, `2Gi`, `1e3`, `512Mi`, `1G`) as plain numbers:
 * CPU in cores, memory and storage in bytes, devices as counts.
 *
 * Grammar (k8s.io/apimachinery/pkg/api/resource): `<signedNumber><suffix>` where suffix is a
 * binary SI suffix (Ki Mi Gi Ti Pi Ei), a decimal SI suffix (n u m "" k M G T P E) or a decimal
 * exponent (`e3`, `E-2`).
 */

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Decimal SI suffixes as powers of ten. */
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([KMGTPE]i)|([eE][+-]?\d+)|([numkMGTPE]?))$/;

export class QuantityError extends Error {
  override name = 'QuantityError';
}

/** Parses a quantity; throws QuantityError on anything the API server would reject. */
export function parseQuantity(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new QuantityError(`not a finite quantity: ${value}`);
    return value;
  }
  const m = QUANTITY.exec(value.trim());
  if (!m) throw new QuantityError(`not a Kubernetes quantity: ${JSON.stringify(value.slice(0, 40))}`);
  const mantissa = m[1] as string;
  let result: number;
  // Scaling by a power of two is exact; decimal scaling goes through the string form, which JS
  // rounds correctly (212345678e-9 is exactly the double nearest 0.212345678).
  if (m[2] !== undefined) result = Number(mantissa) * (BINARY[m[2]] as number);
  else if (m[3] !== undefined) result = Number(`${mantissa}e${Number(m[3].slice(1))}`);
  else result = Number(`${mantissa}e${DECIMAL[m[4] ?? ''] as number}`);
  if (!Number.isFinite(result)) throw new QuantityError(`quantity out of range: ${JSON.stringify(value)}`);
  return result;
}

/** Like parseQuantity, but 0 for a missing or malformed value (a record is better than none). */
export function quantityOrZero(value: string | number | undefined | null): number {
  if (value === undefined || value === null || value === '') return 0;
  try {
    return Math.max(0, parseQuantity(value));
  } catch {
    return 0;
  }
}
