/**
 * Parser of conntrack text: the kernel's `/proc/net/nf_conntrack` lines
 *
 *   ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.1 dst=10.0.0.2 sport=52638 dport=5555 packets=3 bytes=1164 src=10.0.0.2 dst=10.0.0.1 sport=5555 dport=52638 packets=2 bytes=112 [ASSURED] mark=0 zone=0 use=2
 *
 * and `conntrack -L -o extended,id` / `conntrack -E -o extended,id[,timestamp]` lines (the same,
 * with `id=<conntrack id>` at the end, no `zone=` for zone 0, compressed IPv6, and for events a
 * `[DESTROY]` prefix, optionally after a `[seconds.micros]` timestamp).
 *
 * It scans bytes (no regular expression, no split, no string per entry), fills one reused
 * {@link ConntrackEntry}, and never throws: a line that cannot be used is counted under a
 * reason and skipped. The protocol-specific tuple keys are understood: `sport/dport` (TCP, UDP,
 * SCTP, DCCP, UDP-Lite), `type/code/id` (ICMP, ICMPv6: the `id=` inside the tuple is the ICMP id,
 * the last `id=` of the line the conntrack id), `srckey/dstkey` (GRE).
 */

/** Why a line was skipped. Index = reason code − 1. */
export const PARSE_REASONS = [
  'blank',
  'malformed',
  'truncated',
  'unknown-family',
  'unknown-protocol',
  'bad-address',
  'no-counters',
  'too-long',
] as const;
export type ParseReason = (typeof PARSE_REASONS)[number];

export const PARSE_OK = 0;
export const R_BLANK = 1;
export const R_MALFORMED = 2;
export const R_TRUNCATED = 3;
export const R_UNKNOWN_FAMILY = 4;
export const R_UNKNOWN_PROTOCOL = 5;
export const R_BAD_ADDRESS = 6;
export const R_NO_COUNTERS = 7;
export const R_TOO_LONG = 8;

export const EVENT_NONE = 0;
export const EVENT_NEW = 1;
export const EVENT_UPDATE = 2;
export const EVENT_DESTROY = 3;

/** Layer-4 protocols conntrack has a tracker for (the kernel prints `unknown` for the others). */
const KNOWN_PROTOCOLS = new Uint8Array(256);
for (const p of [1, 6, 17, 33, 47, 58, 132, 136]) KNOWN_PROTOCOLS[p] = 1;
/** Protocols whose tuples must carry ports. */
const PORT_PROTOCOLS = new Uint8Array(256);
for (const p of [6, 17, 33, 132, 136]) PORT_PROTOCOLS[p] = 1;

/** Address slots in {@link ConntrackEntry.addr}: four u32 each. */
export const ORIG_SRC = 0;
export const ORIG_DST = 4;
export const REPLY_SRC = 8;
export const REPLY_DST = 12;

/** One parsed conntrack entry. Reused across lines: copy what you keep. */
export class ConntrackEntry {
  family: 4 | 6 = 4;
  proto = 0;
  zone = 0;
  /** The conntrack id (`id=` of `-o id`), valid when `hasId`. */
  id = 0;
  hasId = false;
  /** EVENT_NONE for table dumps, EVENT_DESTROY etc. for `conntrack -E` lines. */
  event = EVENT_NONE;
  /** orig src, orig dst, reply src, reply dst: four u32 words each (IPv4 in the first). */
  readonly addr = new Uint32Array(16);
  /** Ports, or for ICMP id (sport) and type<<8|code (dport), for GRE the keys' low 16 bits. */
  origSport = 0;
  origDport = 0;
  replySport = 0;
  replyDport = 0;
  origPackets = 0;
  origBytes = 0;
  replyPackets = 0;
  replyBytes = 0;
}

// Tuple field bits.
const F_SRC = 1;
const F_DST = 2;
const F_SPORT = 4;
const F_DPORT = 8;
const F_PACKETS = 16;
const F_BYTES = 32;
const F_ICMPID = 64;

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const EQ = 0x3d;
const LBR = 0x5b;
const RBR = 0x5d;

function isSpace(c: number): boolean {
  return c === SP || c === TAB || c === CR;
}

/** Hex digit values, −1 for any other byte. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

function hexVal(c: number): number {
  return HEX[c] as number;
}

const NUMERIC_KEYS = [
  'sport',
  'dport',
  'packets',
  'bytes',
  'id',
  'type',
  'code',
  'zone',
  'srckey',
  'dstkey',
].map((k) => Array.from(k, (c) => c.charCodeAt(0)));

/** Keys whose value must be a number (only asked on the error path). */
function isNumericKey(buf: Uint8Array, start: number, len: number): boolean {
  return NUMERIC_KEYS.some((k) => k.length === len && k.every((c, i) => buf[start + i] === c));
}

/** Shared scratch for IPv6 groups (the parser is synchronous, one line at a time). */
const groups = new Uint16Array(8);
const scratchV4 = new Uint32Array(4);

/**
 * Parses an IPv4 address at [p, end) (stopping at a space) into out[slot]; returns the position
 * after it, or −1.
 */
function parseV4(buf: Uint8Array, p: number, end: number, out: Uint32Array, slot: number): number {
  let value = 0;
  for (let part = 0; part < 4; part++) {
    let n = 0;
    let digits = 0;
    while (p < end) {
      const d = (buf[p] as number) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      digits++;
      p++;
    }
    if (digits === 0 || digits > 3 || n > 255) return -1;
    value = value * 256 + n;
    if (part < 3) {
      if (p >= end || buf[p] !== 0x2e) return -1;
      p++;
    }
  }
  if (p < end && !isSpace(buf[p] as number)) return -1;
  out[slot] = value >>> 0;
  out[slot + 1] = 0;
  out[slot + 2] = 0;
  out[slot + 3] = 0;
  return p;
}

/** Parses an IPv6 address (full, compressed, or with an embedded IPv4 tail) into out[slot..slot+3]. */
export function parseV6(buf: Uint8Array, p: number, end: number, out: Uint32Array, slot: number): number {
  // The kernel's /proc form: eight groups of four hex digits.
  if (p + 39 <= end && buf[p + 4] === 0x3a && buf[p + 34] === 0x3a) {
    let bad = 0; // sign bit set by any non-hex digit (−1), other bits by a misplaced colon
    for (let w = 0; w < 4; w++) {
      const q = p + w * 10;
      const a0 = HEX[buf[q] as number] as number;
      const a1 = HEX[buf[q + 1] as number] as number;
      const a2 = HEX[buf[q + 2] as number] as number;
      const a3 = HEX[buf[q + 3] as number] as number;
      const b0 = HEX[buf[q + 5] as number] as number;
      const b1 = HEX[buf[q + 6] as number] as number;
      const b2 = HEX[buf[q + 7] as number] as number;
      const b3 = HEX[buf[q + 8] as number] as number;
      bad |= (a0 | a1 | a2 | a3 | b0 | b1 | b2 | b3) & 0x80000000;
      bad |= (buf[q + 4] as number) ^ 0x3a;
      if (w < 3) bad |= (buf[q + 9] as number) ^ 0x3a;
      out[slot + w] =
        ((a0 << 28) | (a1 << 24) | (a2 << 20) | (a3 << 16) | (b0 << 12) | (b1 << 8) | (b2 << 4) | b3) >>> 0;
    }
    if (bad === 0 && (p + 39 === end || isSpace(buf[p + 39] as number))) return p + 39;
  }
  let n = 0; // groups written
  let gap = -1; // index where `::` was
  if (p + 1 < end && buf[p] === 0x3a && buf[p + 1] === 0x3a) {
    gap = 0;
    p += 2;
  }
  while (p < end && !isSpace(buf[p] as number)) {
    if (n >= 8) return -1;
    const groupStart = p;
    let g = 0;
    let digits = 0;
    while (p < end) {
      const h = hexVal(buf[p] as number);
      if (h < 0) break;
      g = (g << 4) | h;
      digits++;
      p++;
    }
    if (p < end && buf[p] === 0x2e) {
      // An embedded IPv4 tail (::ffff:1.2.3.4).
      if (n > 6) return -1;
      const r = parseV4(buf, groupStart, end, scratchV4, 0);
      if (r < 0) return -1;
      const v = scratchV4[0] as number;
      groups[n++] = v >>> 16;
      groups[n++] = v & 0xffff;
      p = r;
      break;
    }
    if (digits === 0 || digits > 4) return -1;
    groups[n++] = g;
    if (p < end && buf[p] === 0x3a) {
      if (p + 1 < end && buf[p + 1] === 0x3a) {
        if (gap >= 0) return -1;
        gap = n;
        p += 2;
      } else {
        p++;
        if (p >= end || isSpace(buf[p] as number)) return -1;
      }
    }
  }
  if (gap < 0 && n !== 8) return -1;
  if (gap >= 0 && n > 7) return -1;
  // Expand the gap: groups [gap, n) move to the end.
  const words = out;
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  const missing = 8 - n;
  for (let i = 0; i < 8; i++) {
    let g = 0;
    if (gap < 0 || i < gap) g = groups[i] as number;
    else if (i >= gap + missing) g = groups[i - missing] as number;
    const wi = i >> 1;
    const v = (i & 1) === 0 ? g << 16 : g;
    if (wi === 0) w0 |= v;
    else if (wi === 1) w1 |= v;
    else if (wi === 2) w2 |= v;
    else w3 |= v;
  }
  words[slot] = w0 >>> 0;
  words[slot + 1] = w1 >>> 0;
  words[slot + 2] = w2 >>> 0;
  words[slot + 3] = w3 >>> 0;
  return p;
}

/** Decimal or 0x-hex unsigned number at p; returns the value and sets `numEnd`, or −1 on error. */
let numEnd = 0;
function parseNumber(buf: Uint8Array, p: number, end: number): number {
  let n = 0;
  let digits = 0;
  if (p + 1 < end && buf[p] === 0x30 && (buf[p + 1] === 0x78 || buf[p + 1] === 0x58)) {
    p += 2;
    while (p < end) {
      const h = hexVal(buf[p] as number);
      if (h < 0) break;
      n = n * 16 + h;
      digits++;
      p++;
    }
  } else {
    while (p < end) {
      const d = (buf[p] as number) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
      digits++;
      p++;
    }
  }
  // 16 digits stay exact in a double; a trailing comma is tolerated (`timeout=30,`).
  if (digits === 0 || digits > 16) return -1;
  if (p < end && !isSpace(buf[p] as number) && buf[p] !== 0x2c) return -1;
  numEnd = p;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Fast path. Nearly every line of a real table is TCP or UDP in one fixed shape; parsing it by
// expecting each literal (`src=`, ` dst=`, ` sport=`…) instead of classifying every byte avoids
// most data-dependent branches. Anything unexpected returns −1 and the general parser decides.

const NUM = new Float64Array(1);

/** Decimal digits at p into NUM[0]; returns the position after them, or −1. */
function digits(b: Uint8Array, p: number, end: number): number {
  const s = p;
  let n = 0;
  while (p < end) {
    const d = (b[p] as number) - 0x30;
    if (d >>> 0 > 9) break;
    n = n * 10 + d;
    p++;
  }
  if (p === s || p - s > 16) return -1;
  NUM[0] = n;
  return p;
}

/** One `ADDR dst=ADDR sport=N dport=N packets=N bytes=N` tuple after its `src=`. */
/** `port` at b[p…p+3] (the tail of `sport`/`dport`). */
function isPort(b: Uint8Array, p: number): boolean {
  return b[p] === 0x70 && b[p + 1] === 0x6f && b[p + 2] === 0x72 && b[p + 3] === 0x74;
}

function fastTuple(b: Uint8Array, p: number, end: number, e: ConntrackEntry, reply: boolean): number {
  // Each literal is checked in full (predictable compares, cheap); a mismatch goes to the
  // general parser.
  const slot = reply ? REPLY_SRC : ORIG_SRC;
  const v6 = e.family === 6;
  p = v6 ? parseV6(b, p, end, e.addr, slot) : parseV4(b, p, end, e.addr, slot);
  // " dst="
  if (
    p < 0 ||
    p + 5 > end ||
    b[p] !== SP ||
    b[p + 1] !== 0x64 ||
    b[p + 2] !== 0x73 ||
    b[p + 3] !== 0x74 ||
    b[p + 4] !== EQ
  ) {
    return -1;
  }
  p = v6 ? parseV6(b, p + 5, end, e.addr, slot + 4) : parseV4(b, p + 5, end, e.addr, slot + 4);
  // " sport="
  if (p < 0 || p + 7 > end || b[p] !== SP || b[p + 1] !== 0x73 || !isPort(b, p + 2) || b[p + 6] !== EQ)
    return -1;
  p = digits(b, p + 7, end);
  // " dport="
  if (p < 0 || p + 7 > end || b[p] !== SP || b[p + 1] !== 0x64 || !isPort(b, p + 2) || b[p + 6] !== EQ)
    return -1;
  const sport = (NUM[0] as number) & 0xffff;
  p = digits(b, p + 7, end);
  // " packets="
  if (
    p < 0 ||
    p + 9 > end ||
    b[p] !== SP ||
    b[p + 1] !== 0x70 ||
    b[p + 2] !== 0x61 ||
    b[p + 3] !== 0x63 ||
    b[p + 4] !== 0x6b ||
    b[p + 5] !== 0x65 ||
    b[p + 6] !== 0x74 ||
    b[p + 7] !== 0x73 ||
    b[p + 8] !== EQ
  ) {
    return -1;
  }
  const dport = (NUM[0] as number) & 0xffff;
  p = digits(b, p + 9, end);
  // " bytes="
  if (
    p < 0 ||
    p + 7 > end ||
    b[p] !== SP ||
    b[p + 1] !== 0x62 ||
    b[p + 2] !== 0x79 ||
    b[p + 3] !== 0x74 ||
    b[p + 4] !== 0x65 ||
    b[p + 5] !== 0x73 ||
    b[p + 6] !== EQ
  ) {
    return -1;
  }
  const packets = NUM[0] as number;
  p = digits(b, p + 7, end);
  if (p < 0 || (p < end && b[p] !== SP)) return -1;
  if (reply) {
    e.replySport = sport;
    e.replyDport = dport;
    e.replyPackets = packets;
    e.replyBytes = NUM[0] as number;
  } else {
    e.origSport = sport;
    e.origDport = dport;
    e.origPackets = packets;
    e.origBytes = NUM[0] as number;
  }
  return p;
}

/** Expected length of a TCP state by its first letter (C: CLOSE or CLOSE_WAIT, told apart by the caller). */
const STATE_LEN = new Uint8Array(128);
STATE_LEN[0x45] = 11; // ESTABLISHED
STATE_LEN[0x54] = 9; // TIME_WAIT
STATE_LEN[0x53] = 8; // SYN_SENT, SYN_RECV
STATE_LEN[0x46] = 8; // FIN_WAIT
STATE_LEN[0x4c] = 8; // LAST_ACK
STATE_LEN[0x43] = 10; // CLOSE_WAIT (or CLOSE)
STATE_LEN[0x4e] = 4; // NONE

/** Start of the `key=digits` token ending at `end` (exclusive), or −1; the value goes to NUM[0]. */
function tokenBack(b: Uint8Array, start: number, end: number): number {
  let q = end - 1;
  let n = 0;
  let scale = 1;
  while (q > start) {
    const d = (b[q] as number) - 0x30;
    if (d >>> 0 > 9) break;
    n += d * scale;
    scale *= 10;
    q--;
  }
  if (q === end - 1 || b[q] !== EQ || scale > 1e16) return -1;
  NUM[0] = n;
  return q;
}

/** Reads `[zone=N] use=N [id=N]` backwards from the end of the line; false when the tail is not that. */
function parseTail(b: Uint8Array, start: number, end: number, e: ConntrackEntry): boolean {
  let eq = tokenBack(b, start, end);
  if (eq < 0) return false;
  e.zone = 0;
  e.id = 0;
  e.hasId = false;
  if (b[eq - 1] === 0x64 && b[eq - 2] === 0x69 && b[eq - 3] === SP) {
    e.id = (NUM[0] as number) >>> 0;
    e.hasId = true;
    eq = tokenBack(b, start, eq - 3);
    if (eq < 0) return false;
  }
  if (b[eq - 1] !== 0x65 || b[eq - 2] !== 0x73 || b[eq - 3] !== 0x75 || b[eq - 4] !== SP) return false; // use=
  let z = tokenBack(b, start, eq - 4);
  // `delta-time=N` (nf_conntrack_timestamp=1) sits between zone and use.
  if (z >= 0 && b[z - 1] === 0x65 && b[z - 2] === 0x6d && b[z - 5] === 0x2d && b[z - 11] === SP)
    z = tokenBack(b, start, z - 11);
  if (
    z >= 0 &&
    b[z - 1] === 0x65 &&
    b[z - 2] === 0x6e &&
    b[z - 3] === 0x6f &&
    b[z - 4] === 0x7a &&
    b[z - 5] === SP
  ) {
    e.zone = (NUM[0] as number) & 0xffff;
    return true;
  }
  // No `zone=` right there: only conntrack -L (which omits zone 0) is read without a forward scan.
  if (!e.hasId) return false;
  return true;
}

function skipSpaces(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] === SP) p++;
  return p;
}

function skipWord(b: Uint8Array, p: number, end: number): number {
  while (p < end && b[p] !== SP) p++;
  return p;
}

function parseFast(b: Uint8Array, start: number, end: number, e: ConntrackEntry): number {
  let p = start;
  if (p + 5 > end || b[p] !== 0x69 || b[p + 1] !== 0x70 || b[p + 2] !== 0x76 || b[p + 4] !== SP) return -1;
  const f = b[p + 3];
  if (f === 0x34) e.family = 4;
  else if (f === 0x36) e.family = 6;
  else return -1;
  // `%-8s %u %-8s %u ` as printed by the kernel and conntrack-tools: names padded to 8.
  p = b[p + 8] === SP && b[p + 7] === SP ? p + 9 : skipSpaces(b, p + 5, end);
  // Layer 3 number: `2` (IPv4) or `10` (IPv6).
  if (b[p] === 0x32 && b[p + 1] === SP) p += 2;
  else if (b[p] === 0x31 && b[p + 1] === 0x30 && b[p + 2] === SP) p += 3;
  else return -1;
  p = b[p + 8] === SP && b[p + 7] === SP ? p + 9 : skipSpaces(b, skipWord(b, p, end), end); // layer 4 name
  p = digits(b, p, end);
  if (p < 0 || b[p] !== SP) return -1;
  const proto = NUM[0] as number;
  if (proto > 255 || PORT_PROTOCOLS[proto] !== 1) return -1;
  e.proto = proto;
  p++;
  // The timeout, then a TCP state in capitals, then `src=`.
  while (p < end && ((b[p] as number) - 0x30) >>> 0 <= 9) p++;
  if (b[p] === SP) p++;
  if (b[p] !== 0x73) {
    const c = b[p] as number;
    if (c < 0x41 || c > 0x5a) return -1;
    // TCP states have known lengths: guess from the first letter, else scan.
    const guess = STATE_LEN[c] === 10 && b[p + 5] === SP ? 5 : (STATE_LEN[c] as number);
    p = guess > 0 && b[p + guess] === SP ? p + guess + 1 : skipWord(b, p, end) + 1;
  }
  if (p + 4 > end || b[p] !== 0x73 || b[p + 1] !== 0x72 || b[p + 2] !== 0x63 || b[p + 3] !== EQ) return -1;
  p = fastTuple(b, p + 4, end, e, false);
  if (p < 0) return -1;
  // Flags between the tuples ([UNREPLIED]), then the reply `src=`.
  for (;;) {
    if (p >= end) return -1;
    const c = b[p];
    if (c === SP) p++;
    else if (c === LBR) {
      while (p < end && b[p] !== RBR) p++;
      p++;
    } else break;
  }
  if (p + 4 > end || b[p] !== 0x73 || b[p + 1] !== 0x72 || b[p + 2] !== 0x63 || b[p + 3] !== EQ) return -1;
  p = fastTuple(b, p + 4, end, e, true);
  if (p < 0) return -1;
  // The tail: only `zone=` and the conntrack `id=` matter. They sit at the end (`… zone=0 use=2`
  // in /proc, `… [zone=N] use=1 id=N` from conntrack -L): read them backwards.
  if (!parseTail(b, p, end, e)) {
    e.zone = 0;
    e.id = 0;
    e.hasId = false;
    while (p < end) {
      const c = b[p];
      if (
        c === 0x7a &&
        b[p - 1] === SP &&
        b[p + 1] === 0x6f &&
        b[p + 2] === 0x6e &&
        b[p + 3] === 0x65 &&
        b[p + 4] === EQ
      ) {
        const q = digits(b, p + 5, end);
        if (q < 0 || (q < end && b[q] !== SP)) return -1;
        e.zone = (NUM[0] as number) & 0xffff;
        p = q;
      } else if (c === 0x69 && b[p - 1] === SP && b[p + 1] === 0x64 && b[p + 2] === EQ) {
        const q = digits(b, p + 3, end);
        if (q < 0 || (q < end && b[q] !== SP)) return -1;
        e.id = (NUM[0] as number) >>> 0;
        e.hasId = true;
        p = q;
      } else p++;
    }
  }
  e.event = EVENT_NONE;
  return PARSE_OK;
}

/**
 * Parses the line in buf[start, end) (without its newline) into `e`. Returns PARSE_OK or a reason
 * code (R_*). Never throws.
 */
export function parseConntrackLine(buf: Uint8Array, start: number, end: number, e: ConntrackEntry): number {
  if (parseFast(buf, start, end, e) === PARSE_OK) return PARSE_OK;
  return parseGeneral(buf, start, end, e);
}

const bytesOf = (k: string) => Uint8Array.from(k, (c) => c.charCodeAt(0));
const K_PACKETS = bytesOf('packets');
const K_BYTES = bytesOf('bytes');
const K_TYPE = bytesOf('type');
const K_CODE = bytesOf('code');
const K_ZONE = bytesOf('zone');
const K_SRCKEY = bytesOf('srckey');
const K_DSTKEY = bytesOf('dstkey');

function keyIs(buf: Uint8Array, start: number, key: Uint8Array): boolean {
  for (let i = 0; i < key.length; i++) if (buf[start + i] !== key[i]) return false;
  return true;
}

/** The general parser alone (tests compare it with the fast path). */
export function parseConntrackLineGeneral(
  buf: Uint8Array,
  start: number,
  end: number,
  e: ConntrackEntry,
): number {
  return parseGeneral(buf, start, end, e);
}

/** The general parser: any protocol, event prefixes, unknown keys; counts what it cannot use. */
function parseGeneral(buf: Uint8Array, start: number, end: number, e: ConntrackEntry): number {
  let p = start;
  while (p < end && isSpace(buf[p] as number)) p++;
  if (p >= end) return R_BLANK;

  e.event = EVENT_NONE;
  e.hasId = false;
  e.id = 0;
  e.zone = 0;
  e.origSport = 0;
  e.origDport = 0;
  e.replySport = 0;
  e.replyDport = 0;
  e.origPackets = 0;
  e.origBytes = 0;
  e.replyPackets = 0;
  e.replyBytes = 0;

  // Event prefixes: `[1795339503.033316]` and `[DESTROY]` / `[NEW]` / `[UPDATE]`.
  while (p < end && buf[p] === LBR) {
    const c = buf[p + 1] as number;
    let q = p + 1;
    while (q < end && buf[q] !== RBR) q++;
    if (q >= end) return R_MALFORMED;
    if (c === 0x44 /* D */) e.event = EVENT_DESTROY;
    else if (c === 0x4e /* N */) e.event = EVENT_NEW;
    else if (c === 0x55 /* U */) e.event = EVENT_UPDATE;
    p = q + 1;
    while (p < end && isSpace(buf[p] as number)) p++;
  }

  // Layer 3 name: ipv4 | ipv6 (the kernel prints `unknown` for other families).
  const famStart = p;
  while (p < end && !isSpace(buf[p] as number)) p++;
  const famLen = p - famStart;
  const isIpv =
    famLen >= 3 && buf[famStart] === 0x69 && buf[famStart + 1] === 0x70 && buf[famStart + 2] === 0x76;
  if (isIpv && famLen === 4 && buf[famStart + 3] === 0x34) e.family = 4;
  else if (isIpv && famLen === 4 && buf[famStart + 3] === 0x36) e.family = 6;
  else if (
    isIpv ||
    (famLen === 7 && buf[famStart] === 0x75 && buf[famStart + 1] === 0x6e && buf[famStart + 2] === 0x6b)
  ) {
    return R_UNKNOWN_FAMILY;
  } else return R_MALFORMED;
  while (p < end && isSpace(buf[p] as number)) p++;
  // Layer 3 number.
  if (p >= end) return R_TRUNCATED;
  if (parseNumber(buf, p, end) < 0) return R_MALFORMED;
  p = numEnd;
  while (p < end && isSpace(buf[p] as number)) p++;
  // Layer 4 name (skipped: the number that follows is what counts).
  const nameStart = p;
  while (p < end && !isSpace(buf[p] as number)) p++;
  if (p === nameStart || p >= end) return R_TRUNCATED;
  while (p < end && isSpace(buf[p] as number)) p++;
  if (p >= end) return R_TRUNCATED;
  const proto = parseNumber(buf, p, end);
  if (proto < 0 || proto > 255) return R_MALFORMED;
  e.proto = proto;
  p = numEnd;
  if (KNOWN_PROTOCOLS[proto] === 0) return R_UNKNOWN_PROTOCOL;
  const isIcmp = proto === 1 || proto === 58;

  const addr = e.addr;
  const v6 = e.family === 6;
  let tuple = -1; // 0 orig, 1 reply
  let origF = 0;
  let replyF = 0;
  let icmpType = 0;
  let icmpCode = 0;

  while (p < end) {
    const c0 = buf[p] as number;
    if (isSpace(c0)) {
      p++;
      continue;
    }
    if (c0 === LBR) {
      while (p < end && !isSpace(buf[p] as number)) p++;
      continue;
    }
    const keyStart = p;
    while (p < end) {
      const c = buf[p] as number;
      if (c === EQ || isSpace(c)) break;
      p++;
    }
    if (p >= end || buf[p] !== EQ) {
      // A bare token: the timeout, the TCP state, or a trailing word; nothing to take from it.
      continue;
    }
    const keyLen = p - keyStart;
    p++; // past '='
    const k0 = buf[keyStart] as number;
    const k1 = buf[keyStart + 1] as number;

    if (keyLen === 3 && k1 === 0x72 && buf[keyStart + 2] === 0x63 && k0 === 0x73) {
      // src=
      tuple++;
      if (tuple > 1) return R_MALFORMED;
      const slot = tuple === 0 ? ORIG_SRC : REPLY_SRC;
      const r = v6 ? parseV6(buf, p, end, addr, slot) : parseV4(buf, p, end, addr, slot);
      if (r < 0) return R_BAD_ADDRESS;
      p = r;
      if (tuple === 0) origF |= F_SRC;
      else replyF |= F_SRC;
      continue;
    }
    if (tuple < 0) {
      // Keys before the first tuple (`timeout=30,` of GRE in /proc): skip.
      while (p < end && !isSpace(buf[p] as number)) p++;
      continue;
    }
    const f = tuple === 0 ? origF : replyF;
    let bit = 0;
    if (keyLen === 3 && k0 === 0x64 && k1 === 0x73 && buf[keyStart + 2] === 0x74) {
      // dst=
      const slot = tuple === 0 ? ORIG_DST : REPLY_DST;
      const r = v6 ? parseV6(buf, p, end, addr, slot) : parseV4(buf, p, end, addr, slot);
      if (r < 0) return R_BAD_ADDRESS;
      p = r;
      bit = F_DST;
    } else {
      const n = parseNumber(buf, p, end);
      if (n < 0) {
        // Values we do not read may be text (`secctx=…`, `helper=ftp`, `progname=conntrack`).
        if (isNumericKey(buf, keyStart, keyLen))
          return p >= end || isSpace(buf[p] as number) ? R_TRUNCATED : R_MALFORMED;
        while (p < end && !isSpace(buf[p] as number)) p++;
        continue;
      }
      p = numEnd;
      if (keyLen === 5 && k1 === 0x70 && isPort(buf, keyStart + 1)) {
        // sport= / dport=
        if (k0 === 0x73) {
          if (tuple === 0) e.origSport = n & 0xffff;
          else e.replySport = n & 0xffff;
          bit = F_SPORT;
        } else if (k0 === 0x64) {
          if (tuple === 0) e.origDport = n & 0xffff;
          else e.replyDport = n & 0xffff;
          bit = F_DPORT;
        }
      } else if (keyLen === 7 && keyIs(buf, keyStart, K_PACKETS)) {
        // packets=
        if (tuple === 0) e.origPackets = n;
        else e.replyPackets = n;
        bit = F_PACKETS;
      } else if (keyLen === 5 && keyIs(buf, keyStart, K_BYTES)) {
        // bytes=
        if (tuple === 0) e.origBytes = n;
        else e.replyBytes = n;
        bit = F_BYTES;
      } else if (keyLen === 2 && k0 === 0x69 && k1 === 0x64) {
        // id=: the ICMP id inside an ICMP tuple, else the conntrack id.
        if (isIcmp && (f & (F_ICMPID | F_PACKETS | F_BYTES)) === 0) {
          if (tuple === 0) e.origSport = n & 0xffff;
          else e.replySport = n & 0xffff;
          bit = F_ICMPID;
        } else {
          e.id = n >>> 0;
          e.hasId = true;
        }
      } else if (keyLen === 4 && keyIs(buf, keyStart, K_TYPE)) {
        icmpType = n & 0xff; // type=
      } else if (keyLen === 4 && keyIs(buf, keyStart, K_CODE)) {
        icmpCode = n & 0xff; // code=
        if (tuple === 0) e.origDport = (icmpType << 8) | icmpCode;
        else e.replyDport = (icmpType << 8) | icmpCode;
      } else if (keyLen === 4 && keyIs(buf, keyStart, K_ZONE)) {
        e.zone = n & 0xffff; // zone=
      } else if (keyLen === 6 && (keyIs(buf, keyStart, K_SRCKEY) || keyIs(buf, keyStart, K_DSTKEY))) {
        // srckey= / dstkey= (GRE)
        if (k0 === 0x73) {
          if (tuple === 0) e.origSport = n & 0xffff;
          else e.replySport = n & 0xffff;
        } else if (tuple === 0) e.origDport = n & 0xffff;
        else e.replyDport = n & 0xffff;
      }
    }
    if (tuple === 0) origF |= bit;
    else replyF |= bit;
  }

  if (tuple < 1 || (origF & F_DST) === 0 || (replyF & F_DST) === 0) return R_TRUNCATED;
  if (PORT_PROTOCOLS[proto] === 1) {
    const need = F_SPORT | F_DPORT;
    if ((origF & need) !== need || (replyF & need) !== need) return R_TRUNCATED;
  }
  const counters = F_PACKETS | F_BYTES;
  const oc = origF & counters;
  const rc = replyF & counters;
  if (oc === 0 && rc === 0) return R_NO_COUNTERS;
  if (oc !== counters || rc !== counters) return R_TRUNCATED;
  return PARSE_OK;
}

/**
 * Splits a byte stream into lines and parses each one. Lines split across chunks are carried
 * over; a line longer than `maxLineBytes` is counted as too long and skipped.
 */
export class ConntrackStreamParser {
  readonly entry = new ConntrackEntry();
  /** Lines skipped, by reason code − 1 (see PARSE_REASONS). */
  readonly errors = new Float64Array(PARSE_REASONS.length);
  parsed = 0;
  private carry: Uint8Array;
  private carryLen = 0;
  private skippingLongLine = false;

  constructor(
    private readonly onEntry: (e: ConntrackEntry) => void,
    private readonly maxLineBytes = 16_384,
  ) {
    this.carry = new Uint8Array(1024);
  }

  /** Lines skipped for any reason, blank lines included. */
  get errorCount(): number {
    let n = 0;
    for (const v of this.errors) n += v;
    return n;
  }

  /** Skipped lines as `{reason: count}` (only the non-zero ones). */
  errorsByReason(): Partial<Record<ParseReason, number>> {
    const out: Partial<Record<ParseReason, number>> = {};
    PARSE_REASONS.forEach((r, i) => {
      const n = this.errors[i] as number;
      if (n > 0) out[r] = n;
    });
    return out;
  }

  reset(): void {
    this.errors.fill(0);
    this.parsed = 0;
    this.carryLen = 0;
    this.skippingLongLine = false;
  }

  private handle(buf: Uint8Array, start: number, end: number): void {
    const r = parseConntrackLine(buf, start, end, this.entry);
    if (r === PARSE_OK) {
      this.parsed++;
      this.onEntry(this.entry);
    } else {
      this.errors[r - 1] = (this.errors[r - 1] as number) + 1;
    }
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    const len = chunk.length;
    if (this.skippingLongLine || this.carryLen > 0) {
      const nl = chunk.indexOf(10, 0);
      if (nl < 0) {
        if (!this.skippingLongLine) this.appendCarry(chunk, 0, len);
        return;
      }
      if (!this.skippingLongLine && this.appendCarry(chunk, 0, nl)) this.handle(this.carry, 0, this.carryLen);
      this.carryLen = 0;
      this.skippingLongLine = false;
      pos = nl + 1;
    }
    while (pos < len) {
      const nl = chunk.indexOf(10, pos);
      if (nl < 0) {
        this.appendCarry(chunk, pos, len);
        return;
      }
      this.handle(chunk, pos, nl);
      pos = nl + 1;
    }
  }

  /** Returns false (and counts the line as too long) when the carried line would exceed the limit. */
  private appendCarry(src: Uint8Array, from: number, to: number): boolean {
    const need = this.carryLen + (to - from);
    if (need > this.maxLineBytes) {
      this.errors[R_TOO_LONG - 1] = (this.errors[R_TOO_LONG - 1] as number) + 1;
      this.carryLen = 0;
      this.skippingLongLine = true;
      return false;
    }
    if (need > this.carry.length) {
      const bigger = new Uint8Array(Math.min(this.maxLineBytes, Math.max(need, this.carry.length * 2)));
      bigger.set(this.carry.subarray(0, this.carryLen));
      this.carry = bigger;
    }
    this.carry.set(src.subarray(from, to), this.carryLen);
    this.carryLen = need;
    return true;
  }

  /** Parses a last line that had no newline. */
  end(): void {
    if (this.carryLen > 0 && !this.skippingLongLine) this.handle(this.carry, 0, this.carryLen);
    this.carryLen = 0;
    this.skippingLongLine = false;
  }
}

/** Parses a whole text (tests, small files); returns the entries' count and the skip counts. */
export function parseConntrackText(
  text: string,
  onEntry: (e: ConntrackEntry) => void,
): { parsed: number; errors: Partial<Record<ParseReason, number>> } {
  const p = new ConntrackStreamParser(onEntry);
  p.push(new TextEncoder().encode(text));
  p.end();
  return { parsed: p.parsed, errors: p.errorsByReason() };
}
