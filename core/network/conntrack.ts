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

const NL = 0x0a;
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
// most data-dependent branches. Anything unexpected returns −1 and the general parser decides,
// so the fast path may be stricter than the general one, never more lenient.
//
// It also finds the end of its line, so the common line costs no separate newline search. Its
// contract: `b[lim]` is a newline at or after the end of the line. Every scan stops at the first
// byte outside its token, and a newline is outside every token, so the scans stop at the
// line's newline at the latest without a bounds test per byte, and no skipped byte can be a
// newline (a line never runs into the next one). Literals are compared four bytes at a time
// through a DataView of the same bytes, each after one bounds test (a DataView read past its end
// would throw); being free of newlines, a literal never matches across the end of the line.
//
// Written for the optimizing compiler: one function with the number scans inlined and values in
// locals (a helper returning a position and a value through shared state costs more than the
// scan), and the four-byte literals as numbers in place (a module-level constant is a context
// load and a check at every use). Each is `getInt32(p, true)` of the text in its comment, and
// test/network/conntrack.test.ts checks that the fixture lines take this path.

/** 1 for the bytes of a TCP state name (capitals and `_`). */
const STATE_CHAR = new Uint8Array(256);
for (let c = 0x41; c <= 0x5a; c++) STATE_CHAR[c] = 1;
STATE_CHAR[0x5f] = 1;

/** The value of the 10 to 16 digits at [s, end), in doubles (exact below 2^53, as the general parser). */
function longDigits(b: Uint8Array, s: number, end: number): number {
  let n = 0;
  for (let p = s; p < end; p++) n = n * 10 + ((b[p] as number) - 0x30);
  return n;
}

/**
 * Hex digit pairs by their two bytes as a little-endian u16 (first digit in the low byte): the
 * pair's value, or −1 when either byte is not a hex digit. 128 KiB, of which the few hundred
 * entries of real pairs are touched: half the loads of a per-digit table.
 */
const HEX_PAIR = new Int16Array(65536).fill(-1);
for (let c0 = 0; c0 < 256; c0++) {
  const h0 = HEX[c0] as number;
  if (h0 < 0) continue;
  for (let c1 = 0; c1 < 256; c1++) {
    const h1 = HEX[c1] as number;
    if (h1 >= 0) HEX_PAIR[c0 | (c1 << 8)] = (h0 << 4) | h1;
  }
}

/**
 * An IPv6 address at p into out[slot..slot+3]; returns the position after it, or −1. The
 * kernel's /proc form (eight groups of four hex digits) is read at fixed offsets, two digits per
 * load; conntrack -L's compressed form goes through the general address parser.
 */
function fastV6(b: Uint8Array, dv: DataView, p: number, lim: number, out: Uint32Array, slot: number): number {
  if (p + 39 > lim || b[p + 4] !== 0x3a) return parseV6(b, p, lim, out, slot);
  const pair = HEX_PAIR;
  let bad = 0; // negative when any pair had a non-hex digit, other bits set by a misplaced colon
  for (let w = 0; w < 4; w++) {
    const q = p + w * 10;
    const x0 = pair[dv.getUint16(q, true)] as number;
    const x1 = pair[dv.getUint16(q + 2, true)] as number;
    const x2 = pair[dv.getUint16(q + 5, true)] as number;
    const x3 = pair[dv.getUint16(q + 7, true)] as number;
    bad |= x0 | x1 | x2 | x3;
    bad |= ((b[q + 4] as number) ^ 0x3a) << 8;
    if (w < 3) bad |= ((b[q + 9] as number) ^ 0x3a) << 8;
    out[slot + w] = ((x0 << 24) | (x1 << 16) | (x2 << 8) | x3) >>> 0;
  }
  return (bad & ~0xff) === 0 ? p + 39 : parseV6(b, p, lim, out, slot);
}

/** Tuple keys the general parser reads wherever they are (besides `zone` and `id`). */
const TUPLE_KEYS = [
  'src',
  'dst',
  'sport',
  'dport',
  'packets',
  'bytes',
  'type',
  'code',
  'srckey',
  'dstkey',
].map((k) => Uint8Array.from(`${k}=`, (c) => c.charCodeAt(0)));

/** Whether the token at p is `key=` for one of TUPLE_KEYS (only asked of unusual tail tokens). */
function tupleKeyAt(b: Uint8Array, p: number): boolean {
  for (const key of TUPLE_KEYS) {
    let i = 0;
    while (i < key.length && b[p + i] === key[i]) i++;
    if (i === key.length) return true;
  }
  return false;
}

/** 10^k for the digits of a word. */
const POW10 = [1, 10, 100, 1000, 10000];

/** The shortest line the fast path takes (a shorter one cannot hold two IPv4 tuples). */
const FAST_MIN_LINE = 100;

/**
 * Parses the line at `start` into `e` when it has the common shape; returns the position of its
 * newline, or −1 (the general parser then decides). `b[lim]` is a newline at or after the line's
 * end (see above).
 */
function parseFast(b: Uint8Array, dv: DataView, start: number, lim: number, e: ConntrackEntry): number {
  if (lim - start < FAST_MIN_LINE) return -1;
  let p = start;
  let v6: boolean;
  const f = dv.getInt32(p, true);
  if (f === 0x34767069 /* ipv4 */) v6 = false;
  else if (f === 0x36767069 /* ipv6 */) v6 = true;
  else return -1;
  // `%-8s %u %-8s %u ` as printed by the kernel and conntrack-tools: names padded to 8.
  if (dv.getInt32(p + 4, true) === 0x20202020 /* 4 spaces */ && b[p + 8] === 0x20) p += 9;
  else if (b[p + 4] === 0x20) {
    p += 5;
    while (b[p] === 0x20) p++;
  } else return -1;
  // Layer 3 number: `2` (IPv4) or `10` (IPv6).
  if (b[p] === 0x32 && b[p + 1] === 0x20) p += 2;
  else if (b[p] === 0x31 && b[p + 1] === 0x30 && b[p + 2] === 0x20) p += 3;
  else return -1;
  // Layer 4 name (the number after it is what counts).
  const l4 = dv.getInt32(p, true);
  if (
    (l4 === 0x20706374 /* tcp  */ || l4 === 0x20706475) /* udp  */ &&
    dv.getInt32(p + 4, true) === 0x20202020 &&
    b[p + 8] === 0x20
  )
    p += 9;
  else {
    let c = b[p] as number;
    while (c !== 0x20 && c !== NL) {
      if (c === TAB || c === CR) return -1; // a separator to the general parser
      c = b[++p] as number;
    }
    while (b[p] === 0x20) p++;
  }
  // Layer 4 number: at most three digits here (the general parser reads anything else).
  let proto = 0;
  let d = (b[p] as number) - 0x30;
  const protoStart = p;
  while (d >>> 0 <= 9 && p - protoStart < 3) {
    proto = proto * 10 + d;
    d = (b[++p] as number) - 0x30;
  }
  if (p === protoStart || b[p] !== 0x20 || PORT_PROTOCOLS[proto] !== 1) return -1;
  p++;
  // The timeout, then for TCP a state in capitals, then `src=`.
  while (((b[p] as number) - 0x30) >>> 0 <= 9) p++;
  if (b[p] !== 0x20) return -1;
  p++;
  if (p + 12 > lim) return -1;
  if (b[p] !== 0x73) {
    if (
      dv.getInt32(p, true) === 0x41545345 /* ESTA */ &&
      dv.getInt32(p + 4, true) === 0x53494c42 /* BLIS */ &&
      dv.getInt32(p + 8, true) === 0x20444548 /* HED  */
    )
      p += 12;
    else {
      const s = p;
      while (STATE_CHAR[b[p] as number] === 1) p++;
      if (p === s || b[p] !== 0x20) return -1;
      p++;
    }
  }
  const a = e.addr;
  for (let t = 0; t < 2; t++) {
    if (t === 1) {
      // Flags between the tuples ([UNREPLIED]), then the reply `src=`.
      for (;;) {
        const c = b[p];
        if (c === 0x20) p++;
        else if (c === LBR) {
          // The whole token, to the next space, as the general parser skips it.
          while (b[p] !== 0x20 && b[p] !== NL && b[p] !== TAB && b[p] !== CR) p++;
          if (b[p] !== 0x20) return -1;
        } else break;
      }
    }
    if (p + 4 > lim || dv.getInt32(p, true) !== 0x3d637273 /* src= */) return -1;
    p += 4;
    // Source then destination address.
    for (let k = 0; k < 2; k++) {
      const slot = t * 8 + k * 4;
      if (v6) {
        p = fastV6(b, dv, p, lim, a, slot);
        if (p < 0) return -1;
      } else {
        // Dotted quad: one to three digits per part, each ≤ 255, as the general parser.
        let v = 0;
        for (let part = 0; part < 4; part++) {
          let n = (b[p] as number) - 0x30;
          if (n >>> 0 > 9) return -1;
          d = (b[++p] as number) - 0x30;
          if (d >>> 0 <= 9) {
            n = n * 10 + d;
            d = (b[++p] as number) - 0x30;
            if (d >>> 0 <= 9) {
              n = n * 10 + d;
              if (n > 255) return -1;
              d = (b[++p] as number) - 0x30;
              if (d >>> 0 <= 9) return -1;
            }
          }
          v = (v << 8) | n;
          if (part < 3) {
            if (d !== 0x2e - 0x30) return -1;
            p++;
          }
        }
        a[slot] = v >>> 0;
        a[slot + 1] = 0;
        a[slot + 2] = 0;
        a[slot + 3] = 0;
      }
      if (k === 0) {
        if (p + 5 > lim || dv.getInt32(p, true) !== 0x74736420 /* ` dst` */ || b[p + 4] !== EQ) return -1;
        p += 5;
      }
    }
    // ` sport=N dport=N packets=N bytes=N`: each number is read 4 digits per load where the
    // line leaves room (see readDigits), else byte by byte.
    let sport = 0;
    let dport = 0;
    let packets = 0;
    let bytes = 0;
    for (let field = 0; field < 4; field++) {
      if (field === 0) {
        if (
          p + 7 > lim ||
          dv.getInt32(p, true) !== 0x6f707320 /* ` spo` */ ||
          dv.getInt32(p + 3, true) !== 0x3d74726f /* ort= */
        )
          return -1;
        p += 7;
      } else if (field === 1) {
        if (
          p + 7 > lim ||
          dv.getInt32(p, true) !== 0x6f706420 /* ` dpo` */ ||
          dv.getInt32(p + 3, true) !== 0x3d74726f /* ort= */
        )
          return -1;
        p += 7;
      } else if (field === 2) {
        if (
          p + 9 > lim ||
          dv.getInt32(p, true) !== 0x63617020 /* ` pac` */ ||
          dv.getInt32(p + 4, true) !== 0x7374656b /* kets */ ||
          b[p + 8] !== EQ
        )
          return -1;
        p += 9;
      } else {
        if (
          p + 7 > lim ||
          dv.getInt32(p, true) !== 0x74796220 /* ` byt` */ ||
          dv.getInt32(p + 3, true) !== 0x3d736574 /* tes= */
        )
          return -1;
        p += 7;
      }
      // Up to 8 digits from two words: a digit XOR 0x30 is a byte below 10, so the bytes that
      // are not digits show in a mask, its lowest set bit gives the digit count (a shift, not a
      // branch per digit), and multiply-adds on the word give the value. Past 8 digits, and
      // when the line's end is too close for two words, byte by byte: the same sequence of
      // double operations as the general parser, so values past 2^53 round the same.
      const s = p;
      let n: number;
      if (p + 8 <= lim) {
        const x0 = dv.getInt32(p, true) ^ 0x30303030;
        const nd0 = (x0 & 0xf0f0f0f0) | (((x0 & 0x0f0f0f0f) + 0x06060606) & 0x10101010);
        const k0 = (32 - Math.clz32(~nd0 & (nd0 - 1))) >>> 3; // 0–4 digits in this word
        if (k0 < 4) {
          if (k0 === 0) return -1;
          const y = x0 << (32 - 8 * k0); // the digits in the high bytes, the rest shifted out
          const u = (Math.imul(y, 10) + (y >>> 8)) & 0x00ff00ff; // pairs: 10·d0 + d1, 10·d2 + d3
          n = (u & 0xff) * 100 + (u >>> 16);
          p += k0;
        } else {
          const u0 = (Math.imul(x0, 10) + (x0 >>> 8)) & 0x00ff00ff;
          n = (u0 & 0xff) * 100 + (u0 >>> 16);
          const x1 = dv.getInt32(p + 4, true) ^ 0x30303030;
          const nd1 = (x1 & 0xf0f0f0f0) | (((x1 & 0x0f0f0f0f) + 0x06060606) & 0x10101010);
          const k1 = (32 - Math.clz32(~nd1 & (nd1 - 1))) >>> 3;
          p += 4 + k1;
          if (k1 > 0) {
            const y = x1 << (32 - 8 * k1);
            const u = (Math.imul(y, 10) + (y >>> 8)) & 0x00ff00ff;
            n = n * (POW10[k1] as number) + (u & 0xff) * 100 + (u >>> 16);
            if (k1 === 4) {
              d = (b[p] as number) - 0x30;
              while (d >>> 0 <= 9) {
                n = n * 10 + d;
                d = (b[++p] as number) - 0x30;
              }
              if (p - s > 16) return -1;
            }
          }
        }
      } else {
        n = 0;
        d = (b[p] as number) - 0x30;
        while (d >>> 0 <= 9) {
          n = n * 10 + d;
          d = (b[++p] as number) - 0x30;
        }
        if (p === s || p - s > 16) return -1;
      }
      if (field === 0) sport = n & 0xffff;
      else if (field === 1) dport = n & 0xffff;
      else if (field === 2) packets = n;
      else bytes = n;
    }
    // After the tuple: a space, or the end of the line.
    if (b[p] !== 0x20 && b[p] !== NL) return -1;
    if (t === 0) {
      e.origSport = sport;
      e.origDport = dport;
      e.origPackets = packets;
      e.origBytes = bytes;
    } else {
      e.replySport = sport;
      e.replyDport = dport;
      e.replyPackets = packets;
      e.replyBytes = bytes;
    }
  }
  // The tail: only `zone=` and the conntrack `id=` matter (`… mark=0 zone=0 use=2` in /proc,
  // `… mark=0 [zone=N] use=1 id=N` from conntrack -L); any other token is skipped. The usual
  // tokens are matched a word at a time first; the loop after them reads any tail.
  let zone = 0;
  let id = 0;
  let hasId = false;
  if (
    p + 24 <= lim &&
    dv.getInt32(p, true) === 0x53415b20 /* ` [AS` */ &&
    dv.getInt32(p + 4, true) === 0x45525553 /* SURE */ &&
    dv.getInt16(p + 8, true) === 0x5d44 /* D] */
  )
    p += 10;
  if (
    p + 8 <= lim &&
    dv.getInt32(p, true) === 0x72616d20 /* ` mar` */ &&
    dv.getInt32(p + 2, true) === 0x3d6b7261 /* ark= */
  ) {
    // `mark=` takes any number: skip its digits (a non-digit leaves the token to the loop).
    let q = p + 6;
    while (((b[q] as number) - 0x30) >>> 0 <= 9) q++;
    if (q > p + 6 && (b[q] === 0x20 || b[q] === NL)) p = q;
  }
  if (
    p + 8 <= lim &&
    dv.getInt32(p, true) === 0x6e6f7a20 /* ` zon` */ &&
    dv.getInt32(p + 2, true) === 0x3d656e6f /* one= */
  ) {
    let q = p + 6;
    let n = 0;
    d = (b[q] as number) - 0x30;
    while (d >>> 0 <= 9 && q - p < 15) {
      n = n * 10 + d;
      d = (b[++q] as number) - 0x30;
    }
    if (q > p + 6 && (d === 0x20 - 0x30 || d === NL - 0x30)) {
      zone = n & 0xffff;
      p = q;
    }
  }
  if (p + 6 <= lim && dv.getInt32(p, true) === 0x65737520 /* ` use` */ && b[p + 4] === EQ) {
    let q = p + 5;
    while (((b[q] as number) - 0x30) >>> 0 <= 9) q++;
    if (q > p + 5 && (b[q] === 0x20 || b[q] === NL)) p = q;
  }
  for (;;) {
    let c = b[p] as number;
    if (c === NL) break;
    if (c === 0x20) {
      p++;
      continue;
    }
    // `zone=N` / `id=N`: N must be a number (else the general parser decides).
    // (Byte compares: the token may end the line, and `zone=` with no number must reach the
    // check below whatever lies past the line.)
    const zoneKey =
      c === 0x7a && b[p + 1] === 0x6f && b[p + 2] === 0x6e && b[p + 3] === 0x65 && b[p + 4] === EQ;
    if (zoneKey || (c === 0x69 && b[p + 1] === 0x64 && b[p + 2] === EQ)) {
      p += zoneKey ? 5 : 3;
      const s = p;
      let n = 0;
      d = (b[p] as number) - 0x30;
      while (d >>> 0 <= 9) {
        n = (Math.imul(n, 10) + d) | 0;
        d = (b[++p] as number) - 0x30;
      }
      if (p === s || p - s > 16 || (d !== 0x20 - 0x30 && d !== NL - 0x30)) return -1;
      const value = p - s <= 9 ? n : longDigits(b, s, p);
      if (zoneKey) zone = value & 0xffff;
      else {
        id = value >>> 0;
        hasId = true;
      }
      continue;
    }
    // Any other token is skipped, unless the general parser would read it: a tuple key (it
    // would overwrite the reply tuple's value, or reject the line) or a separator it knows.
    if (tupleKeyAt(b, p)) return -1;
    while (c !== 0x20 && c !== NL) {
      if (c === TAB || c === CR) return -1;
      c = b[++p] as number;
    }
  }
  e.family = v6 ? 6 : 4;
  e.proto = proto;
  e.zone = zone;
  e.id = id;
  e.hasId = hasId;
  e.event = EVENT_NONE;
  return p;
}

/** The line of buf[start, end) with its newline after it (see the fast path's contract). */
let lineCopy = new Uint8Array(1024);

function copyLine(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len + 1 > lineCopy.length) lineCopy = new Uint8Array(Math.max(len + 1, lineCopy.length * 2));
  lineCopy.set(buf.subarray(start, end));
  lineCopy[len] = NL;
  return len;
}

/**
 * Parses the line in buf[start, end) (without its newline) into `e`. Returns PARSE_OK or a reason
 * code (R_*). Never throws.
 */
export function parseConntrackLine(buf: Uint8Array, start: number, end: number, e: ConntrackEntry): number {
  const len = copyLine(buf, start, end);
  if (parseFast(lineCopy, new DataView(lineCopy.buffer, 0, len + 1), 0, len, e) === len) return PARSE_OK;
  return parseGeneral(lineCopy, 0, len, e);
}

/** The fast path alone (tests check which lines take it): PARSE_OK, or −1 when it leaves the line. */
export function parseConntrackLineFast(
  buf: Uint8Array,
  start: number,
  end: number,
  e: ConntrackEntry,
): number {
  const len = copyLine(buf, start, end);
  return parseFast(lineCopy, new DataView(lineCopy.buffer, 0, len + 1), 0, len, e) === len ? PARSE_OK : -1;
}

/** `port` at b[p…p+3] (the tail of `sport`/`dport`). */
function isPort(b: Uint8Array, p: number): boolean {
  return b[p] === 0x70 && b[p + 1] === 0x6f && b[p + 2] === 0x72 && b[p + 3] === 0x74;
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
  /** A line split across chunks, with room for the newline the fast path expects after it. */
  private carry: Uint8Array;
  private carryView: DataView;
  private carryLen = 0;
  private skippingLongLine = false;

  constructor(
    private readonly onEntry: (e: ConntrackEntry) => void,
    private readonly maxLineBytes = 16_384,
  ) {
    this.carry = new Uint8Array(1024);
    this.carryView = new DataView(this.carry.buffer);
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

  /** Parses the line buf[start, end) with the general parser (the fast one did not take it). */
  private handleGeneral(buf: Uint8Array, start: number, end: number): void {
    const r = parseGeneral(buf, start, end, this.entry);
    if (r === PARSE_OK) {
      this.parsed++;
      this.onEntry(this.entry);
    } else {
      this.errors[r - 1] = (this.errors[r - 1] as number) + 1;
    }
  }

  /** Parses the carried line (a newline is put after it for the fast path). */
  private handleCarry(): void {
    const len = this.carryLen;
    this.carry[len] = NL;
    if (parseFast(this.carry, this.carryView, 0, len, this.entry) === len) {
      this.parsed++;
      this.onEntry(this.entry);
    } else this.handleGeneral(this.carry, 0, len);
  }

  push(chunk: Uint8Array): void {
    // A plain Uint8Array view whatever the caller passed (a Buffer is a subclass): the parser's
    // byte loads then see one kind of array only and stay monomorphic.
    const b = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    const len = b.length;
    if (this.skippingLongLine || this.carryLen > 0) {
      const nl = b.indexOf(NL, 0);
      if (nl < 0) {
        if (!this.skippingLongLine) this.appendCarry(b, 0, len);
        return;
      }
      if (!this.skippingLongLine && this.appendCarry(b, 0, nl)) this.handleCarry();
      this.carryLen = 0;
      this.skippingLongLine = false;
      pos = nl + 1;
    }
    // Lines before the chunk's last newline are whole: the fast path parses them up to their
    // newline (see its contract); what it does not take is delimited and parsed generally.
    const lim = b.lastIndexOf(NL);
    if (lim >= pos) {
      const dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const e = this.entry;
      while (pos <= lim) {
        const nl = parseFast(b, dv, pos, lim, e);
        if (nl >= 0) {
          this.parsed++;
          this.onEntry(e);
          pos = nl + 1;
        } else {
          const end = b.indexOf(NL, pos);
          this.handleGeneral(b, pos, end);
          pos = end + 1;
        }
      }
    }
    if (pos < len) this.appendCarry(b, pos, len);
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
    // One byte more than the line, for the newline the fast path expects after it.
    if (need + 1 > this.carry.length) {
      const bigger = new Uint8Array(
        Math.min(this.maxLineBytes + 1, Math.max(need + 1, this.carry.length * 2)),
      );
      bigger.set(this.carry.subarray(0, this.carryLen));
      this.carry = bigger;
      this.carryView = new DataView(bigger.buffer);
    }
    this.carry.set(src.subarray(from, to), this.carryLen);
    this.carryLen = need;
    return true;
  }

  /** Parses a last line that had no newline. */
  end(): void {
    if (this.carryLen > 0 && !this.skippingLongLine) this.handleCarry();
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
