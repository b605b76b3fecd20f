/**
 * IP addresses as numbers, so the hot paths (conntrack parsing, tries, hash tables) never build
 * strings: an address is a family (4 or 6) and four unsigned 32-bit words, most significant first.
 * IPv4 uses word 0 only. IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are folded to IPv4.
 */
import ipaddr from 'ipaddr.js';
import { parseV6 } from './conntrack.js';

export type IpFamily = 4 | 6;

/** A parsed address: `words` holds four u32 (IPv4 in words[0], the rest 0). */
export interface IpAddress {
  family: IpFamily;
  words: [number, number, number, number];
}

/** A parsed CIDR with the host bits cleared. */
export interface IpCidr extends IpAddress {
  prefixLength: number;
}

function fromBytes(bytes: readonly number[]): IpAddress {
  if (bytes.length === 4) {
    return {
      family: 4,
      words: [
        (((bytes[0] ?? 0) << 24) | ((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0)) >>> 0,
        0,
        0,
        0,
      ],
    };
  }
  const w = [0, 0, 0, 0] as [number, number, number, number];
  for (let i = 0; i < 4; i++) {
    const b = i * 4;
    w[i] =
      (((bytes[b] ?? 0) << 24) |
        ((bytes[b + 1] ?? 0) << 16) |
        ((bytes[b + 2] ?? 0) << 8) |
        (bytes[b + 3] ?? 0)) >>>
      0;
  }
  // ::ffff:a.b.c.d is an IPv4 address seen through an IPv6 socket.
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { family: 4, words: [w[3], 0, 0, 0] };
  return { family: 6, words: w };
}

/** Dotted-quad IPv4 without a regular expression (topologies and range files hold many). */
function parseV4Text(s: string): number {
  let value = 0;
  let part = 0;
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c >= 0x30 && c <= 0x39) {
      n = n * 10 + (c - 0x30);
      if (++digits > 3) return -1;
    } else if (c === 0x2e) {
      if (digits === 0 || n > 255 || part > 3) return -1;
      value = value * 256 + n;
      part++;
      n = 0;
      digits = 0;
    } else return -1;
  }
  return part === 4 ? value : -1;
}

const scratchText = new Uint8Array(64);
const scratchWords = new Uint32Array(4);

/** IPv6 text through the conntrack byte parser (range files hold tens of thousands). */
function parseV6Text(s: string): IpAddress | null {
  if (s.length > 45) return null;
  for (let i = 0; i < s.length; i++) scratchText[i] = s.charCodeAt(i) & 0xff;
  if (parseV6(scratchText, 0, s.length, scratchWords, 0) !== s.length) return null;
  const w: [number, number, number, number] = [
    scratchWords[0] as number,
    scratchWords[1] as number,
    scratchWords[2] as number,
    scratchWords[3] as number,
  ];
  if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return { family: 4, words: [w[3], 0, 0, 0] };
  return { family: 6, words: w };
}

/** Parses `10.0.0.1` or `2001:db8::1` (no zone id); null when it is not an address. */
export function parseIp(text: string): IpAddress | null {
  const s = text.trim();
  const v4 = parseV4Text(s);
  if (v4 >= 0) return { family: 4, words: [v4, 0, 0, 0] };
  if (s.includes(':') && !s.includes('.')) {
    const fast = parseV6Text(s);
    if (fast) return fast;
  }
  if (s.includes('%')) return null;
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return fromBytes(ipaddr.IPv4.parse(s).toByteArray());
  if (ipaddr.IPv6.isValid(s)) return fromBytes(ipaddr.IPv6.parse(s).toByteArray());
  return null;
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a /32 or /128); null when invalid. */
export function parseCidr(text: string): IpCidr | null {
  const s = text.trim();
  if (!s.includes('/')) {
    const a = parseIp(s);
    return a ? { ...a, prefixLength: a.family === 4 ? 32 : 128 } : null;
  }
  const [addrPart, lenPart] = s.split('/', 2) as [string, string];
  if (!/^\d{1,3}$/.test(lenPart)) return null;
  let prefixLength = Number(lenPart);
  const a = parseIp(addrPart);
  if (!a) return null;
  // A mapped IPv6 CIDR (::ffff:10.0.0.0/104) becomes the IPv4 CIDR it denotes.
  const mapped = a.family === 4 && parseV4Text(addrPart.trim()) < 0;
  if (mapped) prefixLength -= 96;
  const max = a.family === 4 ? 32 : 128;
  if (prefixLength < 0 || prefixLength > max) return null;
  const words = a.words.slice() as [number, number, number, number];
  for (let i = 0; i < 4; i++) {
    const keep = Math.min(32, Math.max(0, prefixLength - i * 32));
    words[i] =
      keep === 0
        ? 0
        : keep === 32
          ? (words[i] as number)
          : ((words[i] as number) & (~0 << (32 - keep))) >>> 0;
  }
  return { family: a.family, words, prefixLength };
}

/** Text form of an address (RFC 5952 for IPv6). */
export function formatIp(family: IpFamily, w0: number, w1 = 0, w2 = 0, w3 = 0): string {
  if (family === 4) return `${w0 >>> 24}.${(w0 >>> 16) & 255}.${(w0 >>> 8) & 255}.${w0 & 255}`;
  const parts: number[] = [];
  for (const w of [w0, w1, w2, w3]) parts.push(w >>> 16, w & 0xffff);
  return new ipaddr.IPv6(parts).toRFC5952String();
}

/** True when both addresses are the same (family and words). */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  return (
    a.family === b.family &&
    a.words[0] === b.words[0] &&
    a.words[1] === b.words[1] &&
    a.words[2] === b.words[2] &&
    a.words[3] === b.words[3]
  );
}
