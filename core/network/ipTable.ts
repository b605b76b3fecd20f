/**
 * Exact-address map (address → non-negative int) in typed arrays with open addressing, so the
 * per-entry lookups of local pods and cluster endpoints allocate nothing.
 */
import type { IpAddress, IpFamily } from './ip.js';

/** 32-bit mix of an address (murmur3 finaliser over the words). */
export function hashIp(
  family: IpFamily,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  seed = 0x9e3779b9,
): number {
  let h = seed ^ family;
  h = Math.imul(h ^ w0, 0xcc9e2d51);
  h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
  if (family === 6) {
    h = Math.imul(h ^ w1, 0xcc9e2d51);
    h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
    h = Math.imul(h ^ w2, 0xcc9e2d51);
    h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
    h = Math.imul(h ^ w3, 0xcc9e2d51);
    h = Math.imul((h << 15) | (h >>> 17), 0x1b873593);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class IpTable {
  /** 6 u32 per slot: family (0 = empty), w0..w3, value — one cache line holds a probe's data. */
  private keys: Uint32Array;
  private capacity: number;
  private mask: number;
  private count = 0;

  constructor(expected = 16) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.keys = new Uint32Array(cap * 6);
    this.capacity = cap;
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Sets the value of an address (overwrites). */
  set(a: IpAddress, value: number): void {
    if ((this.count + 1) * 2 > this.capacity) this.rehash(this.capacity * 2);
    const [w0, w1, w2, w3] = a.words;
    const keys = this.keys;
    let slot = hashIp(a.family, w0, w1, w2, w3) & this.mask;
    for (;;) {
      const k = slot * 6;
      const fam = keys[k] as number;
      if (fam === 0) {
        keys[k] = a.family;
        keys[k + 1] = w0;
        keys[k + 2] = w1;
        keys[k + 3] = w2;
        keys[k + 4] = w3;
        keys[k + 5] = value;
        this.count++;
        return;
      }
      if (
        fam === a.family &&
        keys[k + 1] === w0 &&
        keys[k + 2] === w1 &&
        keys[k + 3] === w2 &&
        keys[k + 4] === w3
      ) {
        keys[k + 5] = value;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** The value of an address, or -1. For IPv4 pass zeros for w1..w3. */
  get(family: IpFamily, w0: number, w1: number, w2: number, w3: number): number {
    if (this.count === 0) return -1;
    const keys = this.keys;
    const mask = this.mask;
    let slot = hashIp(family, w0, w1, w2, w3) & mask;
    for (;;) {
      const k = slot * 6;
      const fam = keys[k] as number;
      if (fam === 0) return -1;
      if (
        fam === family &&
        keys[k + 1] === w0 &&
        keys[k + 2] === w1 &&
        keys[k + 3] === w2 &&
        keys[k + 4] === w3
      ) {
        return (keys[k + 5] as number) | 0;
      }
      slot = (slot + 1) & mask;
    }
  }

  getIp(a: IpAddress): number {
    return this.get(a.family, a.words[0], a.words[1], a.words[2], a.words[3]);
  }

  private rehash(cap: number): void {
    const old = this.keys;
    const oldCap = this.capacity;
    this.keys = new Uint32Array(cap * 6);
    this.capacity = cap;
    this.mask = cap - 1;
    this.count = 0;
    for (let s = 0; s < oldCap; s++) {
      const k = s * 6;
      const fam = old[k] as number;
      if (fam === 0) continue;
      this.set(
        {
          family: fam as IpFamily,
          words: [old[k + 1] as number, old[k + 2] as number, old[k + 3] as number, old[k + 4] as number],
        },
        (old[k + 5] as number) | 0,
      );
    }
  }
}
