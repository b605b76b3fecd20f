/**
 * A binary prefix trie over IPv4 and IPv6 bits, in typed arrays (no object per node).
 *
 * Each stored prefix carries a value id and a rank. A lookup walks the address bits from the
 * root and keeps, among every stored prefix that contains the address, the one with the highest
 * rank; equal ranks go to the longer prefix. With equal ranks everywhere that is plain
 * longest-prefix match; with ranks it expresses "S3 before EC2 before AMAZON" (AWS lists a range
 * under AMAZON as well as under its specific service) or "direct classifications before
 * internet before in-zone…" for configured CIDRs.
 */
import type { IpCidr, IpFamily } from './ip.js';

const NONE = -1;

export class PrefixTrie {
  /** children[2n] is the 0-branch of node n, children[2n+1] the 1-branch; 0 means none (node 0 is a root). */
  private children: Int32Array;
  private values: Int32Array;
  private ranks: Float64Array;
  private nodeCount = 2; // node 0: IPv4 root, node 1: IPv6 root
  private prefixCount = 0;

  constructor(initialNodes = 1024) {
    const n = Math.max(4, initialNodes);
    this.children = new Int32Array(n * 2);
    this.values = new Int32Array(n).fill(NONE);
    this.ranks = new Float64Array(n);
  }

  /** How many distinct prefixes are stored. */
  get size(): number {
    return this.prefixCount;
  }

  /** Nodes allocated (for memory reports). */
  get nodes(): number {
    return this.nodeCount;
  }

  private grow(): void {
    const n = this.values.length * 2;
    const children = new Int32Array(n * 2);
    children.set(this.children);
    const values = new Int32Array(n).fill(NONE);
    values.set(this.values);
    const ranks = new Float64Array(n);
    ranks.set(this.ranks);
    this.children = children;
    this.values = values;
    this.ranks = ranks;
  }

  /**
   * Stores `value` under the prefix. When the same prefix is stored twice, the higher rank stays
   * (the first one on a tie).
   */
  insert(cidr: IpCidr, value: number, rank = 0): void {
    let node = cidr.family === 4 ? 0 : 1;
    for (let depth = 0; depth < cidr.prefixLength; depth++) {
      const word = cidr.words[depth >>> 5] as number;
      const bit = (word >>> (31 - (depth & 31))) & 1;
      const slot = node * 2 + bit;
      let next = this.children[slot] as number;
      if (next === 0) {
        if (this.nodeCount >= this.values.length) this.grow();
        next = this.nodeCount++;
        this.children[slot] = next;
      }
      node = next;
    }
    const existing = this.values[node] as number;
    if (existing === NONE) {
      this.prefixCount++;
      this.values[node] = value;
      this.ranks[node] = rank;
    } else if (rank > (this.ranks[node] as number)) {
      this.values[node] = value;
      this.ranks[node] = rank;
    }
  }

  /**
   * The value id of the best containing prefix (see the class comment), or -1. For IPv4 only
   * `w0` is read.
   */
  lookup(family: IpFamily, w0: number, w1 = 0, w2 = 0, w3 = 0): number {
    const children = this.children;
    const values = this.values;
    const ranks = this.ranks;
    let node = family === 4 ? 0 : 1;
    let best = values[node] as number;
    let bestRank = best === NONE ? Number.NEGATIVE_INFINITY : (ranks[node] as number);
    const maxDepth = family === 4 ? 32 : 128;
    let word = w0;
    for (let depth = 0; depth < maxDepth; depth++) {
      const shift = depth & 31;
      if (shift === 0 && depth > 0) word = depth === 32 ? w1 : depth === 64 ? w2 : w3;
      node = children[node * 2 + ((word >>> (31 - shift)) & 1)] as number;
      if (node === 0) break;
      const v = values[node] as number;
      if (v !== NONE) {
        const r = ranks[node] as number;
        if (r >= bestRank) {
          best = v;
          bestRank = r;
        }
      }
    }
    return best;
  }
}
