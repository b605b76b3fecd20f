/**
 * Exact-address map (address → non-negative int) in typed arrays with open addressing, so the
 * per-entry lookups of local pods and cluster endpoints allocate nothing.
 *
 * IPv4 and IPv6 addresses live in separate tables: an IPv4 slot is two words (address, value)
 * instead of the six an IPv6 one needs, so a cluster's IPv4 endpoints take a third of the memory
 * and far more of them stay in the CPU caches. A lookup of a remote address is a cache miss
 * (tens of nanoseconds) when its table is larger than the cache, and the classification of every
 * new flow does one or two.
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

/** Words per slot: IPv4 address, value + 1 (0 = empty); IPv6 four words, value + 1. */
const V4_WORDS = 2;
const V6_WORDS = 5;

function capacityFor(n: number): number {
  let cap = 16;
  while (cap < n * 2) cap *= 2;
  return cap;
}

export class IpTable {
  private v4: Int32Array;
  private v4Mask: number;
  private v4Count = 0;
  private v6: Int32Array;
  private v6Mask: number;
  private v6Count = 0;

  /**
   * `expected`: how many addresses (of both families) will be set, at most. The tables start
   * small and double as they fill (load ≤ ½): a table sized for both families would leave each
   * family's table sparse, and so larger in the cache than it needs to be.
   */
  constructor(expected = 16) {
    const cap = Math.min(capacityFor(expected), 1024);
    this.v4 = new Int32Array(cap * V4_WORDS);
    this.v4Mask = cap - 1;
    this.v6 = new Int32Array(cap * V6_WORDS);
    this.v6Mask = cap - 1;
  }

  get size(): number {
    return this.v4Count + this.v6Count;
  }

  /** Sets the value of an address (overwrites). */
  set(a: IpAddress, value: number): void {
    const [w0, w1, w2, w3] = a.words;
    if (a.family === 4) this.set4(w0, value);
    else this.set6(w0, w1, w2, w3, value);
  }

  private set4(w0: number, value: number): void {
    if ((this.v4Count + 1) * 2 > this.v4Mask + 1) this.rehash4((this.v4Mask + 1) * 2);
    const t = this.v4;
    const mask = this.v4Mask;
    let slot = hashIp(4, w0, 0, 0, 0) & mask;
    for (;;) {
      const k = slot * V4_WORDS;
      if (t[k + 1] === 0) {
        t[k] = w0;
        t[k + 1] = value + 1;
        this.v4Count++;
        return;
      }
      if (t[k] === (w0 | 0)) {
        t[k + 1] = value + 1;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  private set6(w0: number, w1: number, w2: number, w3: number, value: number): void {
    if ((this.v6Count + 1) * 2 > this.v6Mask + 1) this.rehash6((this.v6Mask + 1) * 2);
    const t = this.v6;
    const mask = this.v6Mask;
    let slot = hashIp(6, w0, w1, w2, w3) & mask;
    for (;;) {
      const k = slot * V6_WORDS;
      if (t[k + 4] === 0) {
        t[k] = w0;
        t[k + 1] = w1;
        t[k + 2] = w2;
        t[k + 3] = w3;
        t[k + 4] = value + 1;
        this.v6Count++;
        return;
      }
      if (t[k] === (w0 | 0) && t[k + 1] === (w1 | 0) && t[k + 2] === (w2 | 0) && t[k + 3] === (w3 | 0)) {
        t[k + 4] = value + 1;
        return;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The value of an address, or -1. For IPv4 pass zeros for w1..w3. */
  get(family: IpFamily, w0: number, w1: number, w2: number, w3: number): number {
    if (family === 4) {
      if (this.v4Count === 0) return -1;
      const t = this.v4;
      const mask = this.v4Mask;
      const key = w0 | 0;
      let slot = hashIp(4, w0, 0, 0, 0) & mask;
      for (;;) {
        const k = slot * V4_WORDS;
        const v = t[k + 1] as number;
        if (v === 0) return -1;
        if (t[k] === key) return v - 1;
        slot = (slot + 1) & mask;
      }
    }
    if (this.v6Count === 0) return -1;
    const t = this.v6;
    const mask = this.v6Mask;
    let slot = hashIp(6, w0, w1, w2, w3) & mask;
    for (;;) {
      const k = slot * V6_WORDS;
      const v = t[k + 4] as number;
      if (v === 0) return -1;
      if (t[k] === (w0 | 0) && t[k + 1] === (w1 | 0) && t[k + 2] === (w2 | 0) && t[k + 3] === (w3 | 0))
        return v - 1;
      slot = (slot + 1) & mask;
    }
  }

  getIp(a: IpAddress): number {
    return this.get(a.family, a.words[0], a.words[1], a.words[2], a.words[3]);
  }

  private rehash4(cap: number): void {
    const old = this.v4;
    this.v4 = new Int32Array(cap * V4_WORDS);
    this.v4Mask = cap - 1;
    this.v4Count = 0;
    for (let k = 0; k < old.length; k += V4_WORDS) {
      const v = old[k + 1] as number;
      if (v !== 0) this.set4((old[k] as number) >>> 0, v - 1);
    }
  }

  private rehash6(cap: number): void {
    const old = this.v6;
    this.v6 = new Int32Array(cap * V6_WORDS);
    this.v6Mask = cap - 1;
    this.v6Count = 0;
    for (let k = 0; k < old.length; k += V6_WORDS) {
      const v = old[k + 4] as number;
      if (v !== 0)
        this.set6(
          (old[k] as number) >>> 0,
          (old[k + 1] as number) >>> 0,
          (old[k + 2] as number) >>> 0,
          (old[k + 3] as number) >>> 0,
          v - 1,
        );
    }
  }
}
