/**
 * Stable fingerprints (DESIGN.md, "Findings and plans"): a hash of type + cluster + namespace +
 * workload, so the same finding keeps its ticket week after week. 64-bit FNV-1a, 16 lowercase hex
 * digits: short enough for a ticket label (`ownercost-fp-<fingerprint>`), long enough that
 * thousands of findings do not collide.
 */
import type { FindingType } from './types.js';

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a 64-bit over the UTF-8 bytes of `text`, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let h = FNV64_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h.toString(16).padStart(16, '0');
}

/** The fingerprint of a finding; parts are joined with NUL so no two tuples share a text. */
export function fingerprintOf(
  type: FindingType,
  cluster: string,
  namespace: string,
  workload: string,
): string {
  return fnv1a64([type, cluster, namespace, workload].join('\u0000'));
}
