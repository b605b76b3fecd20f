/** The pure planning of delivery (core/delivery): labels, markers, ticket bodies, reconciliation, email, ledger keys. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildEmailMessage, emailMessageId } from '../../core/delivery/email.js';
import {
  fingerprintLabel,
  isFingerprintLabel,
  parseTicketMarker,
  replaceMarker,
  teamLabel,
  ticketMarker,
} from '../../core/delivery/labels.js';
import { ledgerKey, parseLedger } from '../../core/delivery/ledger.js';
import type { TicketMarker, TicketRef } from '../../core/delivery/ports.js';
import { reconcileTickets, type TicketAction } from '../../core/delivery/reconcile.js';
import { escapeMarkdown, renderMarkdown, ticketBody } from '../../core/delivery/ticketBody.js';
import { finding, ticket } from './helpers.js';

const WEEK = '2026-W12';
const marker = (m: Partial<TicketMarker> = {}): TicketMarker => ({
  week: '2026-W11',
  monthlySavings: 100,
  status: 'active',
  ...m,
});

describe('ticket labels', () => {
  it('keeps a short lowercase fingerprint and hashes anything else', () => {
    expect(fingerprintLabel('a1b2c3d4e5f60718')).toBe('ownercost-fp-a1b2c3d4e5f60718');
    expect(fingerprintLabel('Overprovisioned/prod/web/Deployment frontend')).toMatch(
      /^ownercost-fp-[0-9a-f]{16}$/,
    );
  });

  it('makes a valid Jira, GitHub and Linear label out of any fingerprint or team name', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (value) => {
        for (const label of [fingerprintLabel(value), teamLabel(value)]) {
          expect(label).toMatch(/^[a-z0-9-]+$/);
          expect(label.length).toBeLessThanOrEqual(50);
        }
        expect(isFingerprintLabel(fingerprintLabel(value))).toBe(true);
        expect(fingerprintLabel(value)).toBe(fingerprintLabel(value));
      }),
    );
  });

  it('gives two different team names two different labels', () => {
    expect(teamLabel('web')).not.toBe(teamLabel('Web'));
    expect(teamLabel('ml platform')).not.toBe(teamLabel('ml_platform'));
  });
});

describe('ticket marker', () => {
  it('round-trips through text, Markdown and a rewrite in place', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2000, max: 2100 }),
        fc.integer({ min: 1, max: 53 }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.constantFrom('active' as const, 'resolved' as const),
        (year, w, saving, status) => {
          const m = {
            week: `${year}-W${String(w).padStart(2, '0')}`,
            monthlySavings: Number(saving.toFixed(2)),
            status,
          };
          expect(parseTicketMarker(`intro\n\`${ticketMarker(m)}\`\n`)).toEqual(m);
          const rewritten = replaceMarker(`before \`${ticketMarker(marker())}\` after`, m);
          expect(rewritten.startsWith('before `')).toBe(true);
          expect(rewritten.endsWith('` after')).toBe(true);
          expect(parseTicketMarker(rewritten)).toEqual(m);
        },
      ),
    );
  });

  it('appends the marker when a person deleted it, keeping their text', () => {
    const out = replaceMarker('Edited by hand.', marker({ status: 'resolved' }));
    expect(out.startsWith('Edited by hand.\n\n')).toBe(true);
    expect(parseTicketMarker(out)?.status).toBe('resolved');
  });

  it('reads no marker from a body without one', () => {
    expect(parseTicketMarker('nothing here')).toBeNull();
    expect(parseTicketMarker(null)).toBeNull();
  });
});

describe('ticket body', () => {
  it('has Finding, Evidence, Action, Risk, Rollback, the reviewer, the saving and the marker', () => {
    const md = renderMarkdown(
      ticketBody(finding({ monthlySavings: 1234.5 }), { week: WEEK, currency: 'EUR' }),
    );
    for (const heading of ['### Evidence', '### Action', '### Risk', '### Rollback', '### Details']) {
      expect(md).toContain(heading);
    }
    expect(md).toContain('1,234.50 EUR per month');
    expect(md).toContain('Reviewer: jane.doe@example.com'.replace('@', '@\u200b'));
    expect(parseTicketMarker(md)).toEqual({ week: WEEK, monthlySavings: 1234.5, status: 'active' });
  });

  it('cannot mention anyone, inject HTML or break out of Markdown from a workload name', () => {
    const text = escapeMarkdown('<img src=x> @channel [link](http://evil) `code` *bold*');
    expect(text).not.toMatch(/(^|[^\\])</);
    expect(text).not.toContain('@channel');
    expect(text).toContain('\\[link\\]');
    expect(text).toContain('\\`code\\`');
  });

  it('keeps a multi-line action as a code block that its own backticks cannot close', () => {
    const md = renderMarkdown(
      ticketBody(finding({ action: 'line 1\n```\nline 3' }), { week: WEEK, currency: 'USD' }),
    );
    expect(md).toContain('````\nline 1\n```\nline 3\n````');
  });
});

type Expect = { kind: TicketAction['kind']; reason?: string; comment?: boolean };

function plan(refs: TicketRef[], savings: number, policy = {}) {
  const f = finding({ monthlySavings: savings });
  const fp = fingerprintLabel(f.fingerprint);
  return reconcileTickets({
    week: WEEK,
    team: 'web',
    currency: 'USD',
    findings: [f],
    existing: new Map([[fp, refs]]),
    openForTeam: [],
    policy,
  });
}

describe('reconcileTickets, one finding against what the tracker holds', () => {
  it.each<[string, TicketRef[], number, Expect]>([
    ['files a new ticket when there is none', [], 100, { kind: 'create' }],
    [
      'updates an open ticket with the new week, commenting as the saving moved by ≥ 25 %',
      [ticket({ marker: marker({ monthlySavings: 100 }) })],
      150,
      { kind: 'update', reason: 'weekly', comment: true },
    ],
    [
      'updates an open ticket silently when the saving barely moved',
      [ticket({ marker: marker({ monthlySavings: 100 }) })],
      110,
      { kind: 'update', reason: 'weekly', comment: false },
    ],
    [
      'stays quiet on an open ticket already updated this week',
      [ticket({ marker: marker({ week: WEEK }) })],
      100,
      { kind: 'quiet', reason: 'up-to-date' },
    ],
    [
      'comments when a finding said to be resolved came back',
      [ticket({ marker: marker({ status: 'resolved' }) })],
      100,
      { kind: 'update', reason: 'reappeared', comment: true },
    ],
    [
      "stays quiet on won't-do when the saving did not double",
      [ticket({ state: 'closed-wont-do', marker: marker({ monthlySavings: 100 }) })],
      200,
      { kind: 'quiet', reason: 'wont-do' },
    ],
    [
      "speaks up on won't-do when the saving more than doubled",
      [ticket({ state: 'closed-wont-do', marker: marker({ monthlySavings: 100 }) })],
      201,
      { kind: 'update', reason: 'wont-do-saving-rose', comment: true },
    ],
    [
      "stays quiet on won't-do without a recorded saving",
      [ticket({ state: 'closed-wont-do', marker: null })],
      10_000,
      { kind: 'quiet', reason: 'wont-do-no-record' },
    ],
    [
      'files a new ticket when the earlier one was closed as done and the finding is back',
      [ticket({ state: 'closed-done', key: 'WEB-3', marker: marker() })],
      100,
      { kind: 'create' },
    ],
    [
      'does not refile a ticket closed as done after it was updated this week',
      [ticket({ state: 'closed-done', marker: marker({ week: WEEK }) })],
      100,
      { kind: 'quiet', reason: 'closed-this-week' },
    ],
    [
      "prefers the open ticket over an older won't-do one",
      [
        ticket({ key: 'A', state: 'closed-wont-do', marker: marker() }),
        ticket({ key: 'B', state: 'open', marker: marker() }),
      ],
      100,
      { kind: 'update', reason: 'weekly' },
    ],
  ])('%s', (_name, refs, savings, want) => {
    const { actions } = plan(refs, savings);
    expect(actions).toHaveLength(1);
    const a = actions[0] as TicketAction;
    expect(a.kind).toBe(want.kind);
    if (want.reason) expect((a as { reason?: string }).reason).toBe(want.reason);
    if (want.comment !== undefined) expect((a as { comment: unknown }).comment !== null).toBe(want.comment);
  });

  it('uses a configurable won-t-do factor', () => {
    const refs = [ticket({ state: 'closed-wont-do', marker: marker({ monthlySavings: 100 }) })];
    expect(plan(refs, 160, { wontDoFactor: 1.5 }).actions[0]?.kind).toBe('update');
    expect(plan(refs, 140, { wontDoFactor: 1.5 }).actions[0]?.kind).toBe('quiet');
  });

  it('points a refiled ticket at the one closed as done', () => {
    const a = plan([ticket({ state: 'closed-done', key: 'WEB-3', marker: marker() })], 100).actions[0];
    expect(a?.kind === 'create' && a.previousKey).toBe('WEB-3');
    expect(a?.kind === 'create' && renderMarkdown(a.body)).toContain('WEB-3');
  });
});

describe('reconcileTickets, across findings', () => {
  const many = Array.from({ length: 8 }, (_, i) =>
    finding({ fingerprint: `f${i}`, monthlySavings: (i + 1) * 10, title: `finding ${i}` }),
  );

  it('files at most the cap, largest saving first, and reports the rest as held back', () => {
    const { actions, heldBack } = reconcileTickets({
      week: WEEK,
      team: 'web',
      currency: 'USD',
      findings: many,
      existing: new Map(),
      openForTeam: [],
      policy: { maxNewPerTeamPerRun: 5 },
    });
    const created = actions.filter((a) => a.kind === 'create').map((a) => a.fingerprintLabel);
    expect(created).toEqual(['f7', 'f6', 'f5', 'f4', 'f3'].map((f) => `ownercost-fp-${f}`));
    expect(heldBack.map((h) => h.fingerprintLabel)).toEqual(
      ['f2', 'f1', 'f0'].map((f) => `ownercost-fp-${f}`),
    );
  });

  it('counts tickets created earlier this week (a resumed run) against the cap', () => {
    const handled = new Map([
      ['ownercost-fp-f7', { action: 'create' as const }],
      ['ownercost-fp-f6', { action: 'create' as const }],
    ]);
    const { actions, heldBack } = reconcileTickets({
      week: WEEK,
      team: 'web',
      currency: 'USD',
      findings: many,
      existing: new Map(),
      openForTeam: [],
      handled,
      policy: { maxNewPerTeamPerRun: 5 },
    });
    expect(actions.filter((a) => a.kind === 'create')).toHaveLength(3);
    expect(actions.filter((a) => a.kind === 'quiet')).toHaveLength(2);
    expect(heldBack).toHaveLength(3);
  });

  it('files one ticket for two findings with the same fingerprint', () => {
    const { actions } = reconcileTickets({
      week: WEEK,
      team: 'web',
      currency: 'USD',
      findings: [finding({ monthlySavings: 5 }), finding({ monthlySavings: 50 })],
      existing: new Map(),
      openForTeam: [],
    });
    expect(actions).toHaveLength(1);
    expect(actions[0]?.kind === 'create' && actions[0].finding.monthlySavings).toBe(50);
  });

  it('says "resolved" once on an open ticket of the team whose finding is gone', () => {
    const gone = ticket({
      key: 'WEB-9',
      labels: ['ownercost', 'ownercost-fp-gone1'],
      marker: marker({ monthlySavings: 70 }),
    });
    const already = ticket({
      key: 'WEB-10',
      labels: ['ownercost-fp-gone2'],
      marker: marker({ status: 'resolved' }),
    });
    const notOurs = ticket({ key: 'WEB-11', labels: ['bug'] });
    const { actions } = reconcileTickets({
      week: WEEK,
      team: 'web',
      currency: 'USD',
      findings: [],
      existing: new Map(),
      openForTeam: [gone, already, notOurs],
    });
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({
      kind: 'resolve',
      ref: { key: 'WEB-9' },
      marker: { week: WEEK, status: 'resolved', monthlySavings: 70 },
    });
  });

  it('assigns the finding reviewer, else the team reviewer', () => {
    const { actions } = reconcileTickets({
      week: WEEK,
      team: 'web',
      currency: 'USD',
      findings: [
        finding({ fingerprint: 'x1', reviewer: '' }),
        finding({ fingerprint: 'x2', reviewer: 'bob@example.com' }),
      ],
      existing: new Map(),
      openForTeam: [],
      defaultAssignee: 'lead@example.com',
    });
    const byFp = Object.fromEntries(
      actions.map((a) => [a.fingerprintLabel, a.kind === 'create' ? a.assignee : null]),
    );
    expect(byFp).toEqual({ 'ownercost-fp-x1': 'lead@example.com', 'ownercost-fp-x2': 'bob@example.com' });
  });
});

describe('email message', () => {
  const input = {
    week: WEEK,
    team: 'ml-platform',
    from: 'ownercost <finops@example.com>',
    to: ['ml-leads@example.com'],
    subject: 'ownercost: ml-platform\r\nBcc: everyone@example.com',
    html: '<p>hi</p>',
    text: 'hi',
    csv: 'a,b\n1,2\n',
    unsubscribe: { url: 'https://finops.example.com/unsubscribe' },
  };

  it('has a Message-ID that depends only on the week, the team and the sender domain', () => {
    expect(emailMessageId(WEEK, 'ml-platform', 'ownercost <finops@example.com>')).toMatch(
      /^<ownercost\.2026-W12\.[0-9a-f]{16}@example\.com>$/,
    );
    expect(buildEmailMessage(input).messageId).toBe(buildEmailMessage({ ...input, html: 'other' }).messageId);
    expect(buildEmailMessage(input).messageId).not.toBe(
      buildEmailMessage({ ...input, team: 'web' }).messageId,
    );
    expect(buildEmailMessage(input).messageId).not.toBe(
      buildEmailMessage({ ...input, week: '2026-W13' }).messageId,
    );
  });

  it('offers mailto and one-click https unsubscribe', () => {
    const m = buildEmailMessage(input);
    expect(m.headers['List-Unsubscribe']).toBe(
      '<mailto:finops@example.com?subject=unsubscribe%20ownercost%20ml-platform>, <https://finops.example.com/unsubscribe?team=ml-platform&week=2026-W12>',
    );
    expect(m.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('leaves out the one-click header without an https endpoint, and refuses http', () => {
    const { unsubscribe: _u, ...noUrl } = input;
    expect(buildEmailMessage(noUrl).headers['List-Unsubscribe-Post']).toBeUndefined();
    expect(() => buildEmailMessage({ ...input, unsubscribe: { url: 'http://x.example/u' } })).toThrow(
      /https/,
    );
  });

  it('keeps the subject on one line and attaches the CSV', () => {
    const m = buildEmailMessage(input);
    expect(m.subject).not.toMatch(/[\r\n]/);
    expect(m.attachments).toEqual([
      {
        filename: 'ownercost-allocations-ml-platform-2026-W12.csv',
        contentType: 'text/csv; charset=utf-8',
        content: 'a,b\n1,2\n',
      },
    ]);
  });

  it('refuses a sender without an address and an empty recipient list', () => {
    expect(() => buildEmailMessage({ ...input, from: 'ownercost' })).toThrow(/no email address/);
    expect(() => buildEmailMessage({ ...input, to: [] })).toThrow(/no recipients/);
  });
});

describe('delivery ledger', () => {
  it('keys by week, safe team name and channel, never the raw name', () => {
    expect(ledgerKey(WEEK, 'web', 'slack')).toBe('runs/2026-W12/web/slack.json');
    const key = ledgerKey(WEEK, '../../etc/passwd', 'email');
    expect(key).toMatch(/^runs\/2026-W12\/[A-Za-z0-9._-]+\/email\.json$/);
    expect(key.split('/').filter((s) => s === '..' || s === '.')).toEqual([]);
    expect(key.split('/')).toHaveLength(4);
    expect(() => ledgerKey('../x', 'web', 'slack')).toThrow(/ISO week/);
  });

  it('refuses an object that is not a ledger of that channel, naming the key', () => {
    expect(() => parseLedger('slack', 'runs/k.json', '{"schema":"x"}')).toThrow(/runs\/k\.json/);
    expect(() => parseLedger('slack', 'runs/k.json', 'not json')).toThrow(/not JSON/);
  });
});
