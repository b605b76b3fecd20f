import { describe, expect, it } from 'vitest';
import {
  ConntrackEntry,
  EVENT_DESTROY,
  EVENT_NONE,
  FLOW_TAG_MAX,
  FlowDeltaTable,
} from '../../core/network/index.js';

interface Flow {
  src?: number;
  /** Reply source (the peer after DNAT); 0 when not given. */
  replySrc?: number;
  sport: number;
  ob: number;
  rb: number;
  id?: number;
  destroy?: boolean;
  v6?: boolean;
}

function entry(f: Flow): ConntrackEntry {
  const e = new ConntrackEntry();
  e.family = f.v6 ? 6 : 4;
  e.proto = 6;
  e.addr[0] = f.src ?? 0x0a000105;
  if (f.v6) {
    e.addr[0] = 0xfd000001;
    e.addr[3] = f.src ?? 5;
  }
  e.addr[4] = 0x0a000207;
  e.addr[8] = f.replySrc ?? 0;
  e.origSport = f.sport;
  e.origDport = 443;
  e.origBytes = f.ob;
  e.origPackets = Math.ceil(f.ob / 100);
  e.replyBytes = f.rb;
  e.replyPackets = Math.ceil(f.rb / 100);
  e.hasId = f.id !== undefined;
  e.id = f.id ?? 0;
  e.event = f.destroy ? EVENT_DESTROY : EVENT_NONE;
  return e;
}

/** Runs one dump of `flows`; returns the bytes counted (orig + reply). */
function dump(t: FlowDeltaTable, flows: Flow[]): number {
  t.beginDump();
  let bytes = 0;
  for (const f of flows) {
    t.observe(entry(f));
    bytes += t.delta.origBytes + t.delta.replyBytes;
  }
  t.endDump();
  return bytes;
}

function destroy(t: FlowDeltaTable, f: Flow): number {
  t.observe(entry({ ...f, destroy: true }));
  expect(t.delta.origBytes).toBeGreaterThanOrEqual(0);
  return t.delta.origBytes + t.delta.replyBytes;
}

describe('flow delta engine', () => {
  it('treats the first dump as a baseline, then counts growth only', () => {
    const t = new FlowDeltaTable();
    expect(dump(t, [{ sport: 1, ob: 1000, rb: 500 }])).toBe(0);
    expect(dump(t, [{ sport: 1, ob: 1500, rb: 700 }])).toBe(700);
    expect(dump(t, [{ sport: 1, ob: 1500, rb: 700 }])).toBe(0);
  });

  it('counts a saved table in full when primed', () => {
    const t = new FlowDeltaTable({ primed: true });
    expect(
      dump(t, [
        { sport: 1, ob: 1000, rb: 500 },
        { sport: 2, ob: 10, rb: 0 },
      ]),
    ).toBe(1510);
  });

  it('counts a flow created between two reads in full', () => {
    const t = new FlowDeltaTable();
    dump(t, [{ sport: 1, ob: 1000, rb: 500 }]);
    expect(
      dump(t, [
        { sport: 1, ob: 1000, rb: 500 },
        { sport: 2, ob: 300, rb: 200 },
      ]),
    ).toBe(500);
  });

  it('never produces negative bytes when a tuple is reused by a new flow (counters went down)', () => {
    const t = new FlowDeltaTable();
    dump(t, [{ sport: 1, ob: 5000, rb: 5000 }]);
    // Same tuple, smaller counters: a new connection that reused the source port.
    expect(dump(t, [{ sport: 1, ob: 200, rb: 100 }])).toBe(300);
    expect(dump(t, [{ sport: 1, ob: 250, rb: 100 }])).toBe(50);
  });

  it('tells flows apart by conntrack id when both sides have one', () => {
    const t = new FlowDeltaTable();
    dump(t, [{ sport: 1, ob: 100, rb: 100, id: 7 }]);
    // Larger counters but another conntrack id: a new flow, counted in full.
    expect(dump(t, [{ sport: 1, ob: 300, rb: 300, id: 8 }])).toBe(600);
  });

  it('counts a DESTROY after a dump as final − last, and the next dump adds nothing (no double count)', () => {
    const t = new FlowDeltaTable();
    dump(t, [{ sport: 1, ob: 1000, rb: 1000, id: 9 }]);
    expect(dump(t, [{ sport: 1, ob: 1500, rb: 1200, id: 9 }])).toBe(700);
    expect(destroy(t, { sport: 1, ob: 1800, rb: 1300, id: 9 })).toBe(400);
    // A repeated event counts nothing either.
    expect(destroy(t, { sport: 1, ob: 1800, rb: 1300, id: 9 })).toBe(0);
    expect(dump(t, [])).toBe(0);
    expect(t.size).toBe(0);
  });

  it('counts a dump line read before a DESTROY but parsed after it as nothing more', () => {
    const t = new FlowDeltaTable();
    dump(t, [{ sport: 1, ob: 1000, rb: 1000 }]);
    t.beginDump();
    expect(destroy(t, { sport: 1, ob: 1800, rb: 1300 })).toBe(1100);
    // The kernel listed the flow before it was destroyed (smaller counters): stale.
    t.observe(entry({ sport: 1, ob: 1600, rb: 1250 }));
    expect(t.delta.origBytes + t.delta.replyBytes).toBe(0);
    t.endDump();
    expect(dump(t, [])).toBe(0);
  });

  it('counts a DESTROY of a flow never dumped once, in full', () => {
    const t = new FlowDeltaTable();
    dump(t, []);
    expect(destroy(t, { sport: 3, ob: 400, rb: 300, id: 11 })).toBe(700);
    expect(destroy(t, { sport: 3, ob: 400, rb: 300, id: 11 })).toBe(0);
    expect(dump(t, [])).toBe(0);
    expect(dump(t, [])).toBe(0);
  });

  it('counts a new flow on the tuple of a destroyed one in full at the next dump', () => {
    const t = new FlowDeltaTable();
    dump(t, [{ sport: 1, ob: 1000, rb: 1000 }]);
    destroy(t, { sport: 1, ob: 1100, rb: 1000 });
    expect(dump(t, [{ sport: 1, ob: 50, rb: 60 }])).toBe(110);
  });

  it('keeps a flow missing from one dump for a late DESTROY, then forgets it', () => {
    const t = new FlowDeltaTable();
    dump(t, [{ sport: 1, ob: 1000, rb: 0 }]);
    dump(t, []); // gone from the table, its DESTROY not here yet
    expect(t.size).toBe(1);
    expect(destroy(t, { sport: 1, ob: 1200, rb: 0 })).toBe(200);
    const u = new FlowDeltaTable();
    dump(u, [{ sport: 1, ob: 1000, rb: 0 }]);
    dump(u, []);
    dump(u, []);
    expect(u.size).toBe(0);
  });

  it('counts a flow on a reused original tuple with other reply addresses as a new flow', () => {
    // The kernel fixes a connection's reply tuple before confirming it: other reply addresses
    // (a Service now DNATed to another backend) mean another connection.
    const t = new FlowDeltaTable();
    dump(t, [{ sport: 1, ob: 1000, rb: 1000, replySrc: 0x0a000207 }]);
    expect(dump(t, [{ sport: 1, ob: 1500, rb: 1200, replySrc: 0x0a000309 }])).toBe(2700);
    expect(dump(t, [{ sport: 1, ob: 1600, rb: 1200, replySrc: 0x0a000309 }])).toBe(100);
  });

  it('keeps a tag per flow until the tags are cleared; a new flow starts untagged', () => {
    const t = new FlowDeltaTable();
    t.beginDump();
    t.observe(entry({ sport: 1, ob: 10, rb: 0 }));
    expect(t.lastTag).toBe(0);
    t.lastTag = 42;
    t.observe(entry({ sport: 2, ob: 10, rb: 0 }));
    expect(t.lastTag).toBe(0);
    t.lastTag = FLOW_TAG_MAX;
    t.endDump();
    // Tags survive dumps, the compaction of dropped flows and the flags the table keeps.
    for (const ob of [20, 30]) {
      t.beginDump();
      t.observe(entry({ sport: 2, ob, rb: 0 }));
      expect(t.lastTag).toBe(FLOW_TAG_MAX);
      t.endDump();
    }
    expect(t.size).toBe(1);
    t.beginDump();
    t.observe(entry({ sport: 2, ob: 40, rb: 0 }));
    expect(t.lastTag).toBe(FLOW_TAG_MAX);
    t.observe(entry({ sport: 2, ob: 50, rb: 0, destroy: true }));
    expect(t.lastTag).toBe(FLOW_TAG_MAX);
    t.clearTags();
    t.observe(entry({ sport: 2, ob: 50, rb: 0, destroy: true }));
    expect(t.lastTag).toBe(0);
    t.endDump();
  });

  it('ignores DESTROY events before the baseline dump', () => {
    const t = new FlowDeltaTable();
    expect(destroy(t, { sport: 1, ob: 1000, rb: 1000 })).toBe(0);
    expect(dump(t, [{ sport: 2, ob: 5, rb: 5 }])).toBe(0);
  });

  it('keeps IPv4 and IPv6 flows with the same ports apart', () => {
    const t = new FlowDeltaTable();
    dump(t, [
      { sport: 1, ob: 100, rb: 0 },
      { sport: 1, ob: 100, rb: 0, v6: true, src: 5 },
    ]);
    expect(
      dump(t, [
        { sport: 1, ob: 150, rb: 0 },
        { sport: 1, ob: 130, rb: 0, v6: true, src: 5 },
      ]),
    ).toBe(80);
  });

  it('grows and rehashes through many flows, keeps each one exact, and shrinks when they end', () => {
    const t = new FlowDeltaTable();
    const n = 200_000;
    const flows = (k: number): Flow[] =>
      Array.from({ length: n }, (_, i) => ({
        src: 0x0a000000 + (i >>> 16),
        sport: i & 0xffff,
        ob: 100 + i + k,
        rb: k,
      }));
    dump(t, flows(0));
    expect(t.size).toBe(n);
    expect(dump(t, flows(3))).toBe(n * 6);
    expect(dump(t, flows(3))).toBe(0);
    const before = t.memoryBytes;
    dump(t, []);
    dump(t, []);
    expect(t.size).toBe(0);
    expect(t.memoryBytes).toBeLessThan(before);
  });
});
