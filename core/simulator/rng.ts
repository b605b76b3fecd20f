/**
 * Seeded randomness for the simulator. Two kinds:
 * - `Rng`, a sequential mulberry32 stream, used while the organisation and its schedule are built;
 * - `noise(seed, i)`, a stateless hash, used for per-sample values (usage, traffic) so any sample
 *   can be computed on its own and the output does not depend on the order samples are visited.
 * Same seed ⇒ same numbers, on every platform (32-bit integer arithmetic only).
 */

/** FNV-1a hash of a string to an unsigned 32-bit integer. */
export function hashString(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes two 32-bit integers into one (murmur3 finalizer over a combination). */
export function mix32(a: number, b: number): number {
  let h = (a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stateless uniform value in [-1, 1) for (seed, index). */
export function noise(seed: number, index: number): number {
  return (mix32(seed, index) / 4294967296) * 2 - 1;
}

/** A stateless uniform value in [0, 1) for (seed, index). */
export function unit(seed: number, index: number): number {
  return mix32(seed, index) / 4294967296;
}

const HEX = '0123456789abcdef';
/** Kubernetes' alphabet for generated name suffixes (no vowels, no look-alikes). */
const K8S_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A sequential seeded generator (mulberry32). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A child generator whose stream depends only on this seed and `label`, not on draws so far. */
  static derive(seed: number, label: string): Rng {
    return new Rng(mix32(seed >>> 0, hashString(label)));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('Rng.pick: empty list');
    return item;
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** A 32-bit seed for a stateless `noise` stream. */
  seed(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  hex(length: number): string {
    let s = '';
    for (let i = 0; i < length; i++) s += HEX[Math.floor(this.next() * 16)];
    return s;
  }

  /** A Kubernetes-style random name suffix (`-x7k2p`). */
  suffix(length = 5): string {
    let s = '';
    for (let i = 0; i < length; i++) s += K8S_ALPHABET[Math.floor(this.next() * K8S_ALPHABET.length)];
    return s;
  }

  /** An RFC 4122 version-4 shaped UUID. */
  uuid(): string {
    const h = this.hex(32);
    const variant = HEX[8 + Math.floor(this.next() * 4)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
