/**
 * Any string a cluster can hand us as a team, namespace, workload or cluster name renders safely:
 * valid Slack JSON without mentions or links, HTML with exactly the structure of a benign name,
 * Markdown with exactly the syntax of a benign name.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  renderOrgHtml,
  renderTeamEmail,
  renderTeamMarkdown,
  renderTeamSlack,
} from '../../adapters/render/index.js';
import type { OrgReport } from '../../core/report/model.js';
import { HOSTILE, namedOrg } from '../fixtures/render/org.js';
import { pipesPerLine, slackTexts, tagSequence, unescapedMarkdown } from './helpers.js';

const ctx = { generatedAt: '2026-11-23T06:00:00.000Z' };
const SPECIAL_CHARS = [
  '<',
  '>',
  '&',
  '"',
  "'",
  '\\',
  '\n',
  '\r',
  '*',
  '_',
  '~',
  '`',
  '[',
  ']',
  '(',
  ')',
  '!',
  '|',
  '#',
  ':',
  '.',
  '@',
  '$',
  '{',
  '}',
  '=',
  '/',
  'a',
  ' ',
  '\u202e',
  '\ud800',
];

const name = fc
  .oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }),
    fc.string({ unit: fc.constantFrom(...SPECIAL_CHARS), minLength: 1, maxLength: 60 }),
    fc.constantFrom(
      ...Object.values(HOSTILE),
      '<!channel>',
      '<!here>',
      '<@U123>',
      '<#C1|x>',
      '{{x}}',
      '<svg onload=alert(1)>',
    ),
    fc
      .array(fc.constantFrom(...Object.values(HOSTILE), 'x', ' ', '<', '\n'), { minLength: 1, maxLength: 6 })
      .map((xs) => xs.join('')),
  )
  // Names the model itself gives meaning to are not arbitrary strings.
  .filter(
    (s) => !s.startsWith('__') && !['unowned', 'fixed-team-zz', 'fixed-ns', 'fixed-cluster-zz'].includes(s),
  );

const names = fc.record({ team: name, namespace: name, workload: name, cluster: name });
const BENIGN = namedOrg({ team: 'team-a', namespace: 'ns-a', workload: 'wl-a', cluster: 'cl-a' });

/** Teams paired with their benign counterparts (same order: by cost, which names do not change). */
function pairs(org: OrgReport) {
  expect(org.teams.map((t) => t.cost.current)).toEqual(BENIGN.teams.map((t) => t.cost.current));
  return org.teams.map((t, i) => ({ t, b: BENIGN.teams[i] ?? t }));
}

const WELL_FORMED = /^(?:[^\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

describe('rendering arbitrary names', () => {
  it('keeps Slack payloads valid JSON with no mention, link or entity injected', () => {
    fc.assert(
      fc.property(names, (n) => {
        const org = namedOrg(n);
        for (const { t } of pairs(org)) {
          const msg = renderTeamSlack(org, t, ctx);
          const json = JSON.stringify(msg);
          expect(JSON.parse(json)).toEqual(msg);
          for (const text of slackTexts([msg, msg.thread])) {
            expect(text).not.toMatch(/[<>]/);
            expect(text).toMatch(WELL_FORMED);
          }
          // In mrkdwn every & starts one of the three entities Slack knows (plain_text headers show & as is).
          for (const text of slackTexts([msg, msg.thread], 'mrkdwn')) {
            expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
          }
          expect(msg.blocks.length).toBeLessThanOrEqual(50);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('keeps the HTML of emails and the org page structurally identical to a benign name', () => {
    const benignOrg = tagSequence(renderOrgHtml(BENIGN, ctx));
    const benignMail = BENIGN.teams.map((t) => tagSequence(renderTeamEmail(BENIGN, t, ctx).html));
    fc.assert(
      fc.property(names, (n) => {
        const org = namedOrg(n);
        const page = renderOrgHtml(org, ctx);
        expect(tagSequence(page)).toEqual(benignOrg);
        expect(page).not.toMatch(/<script/i);
        pairs(org).forEach(({ t }, i) => {
          const mail = renderTeamEmail(org, t, ctx);
          expect(tagSequence(mail.html)).toEqual(benignMail[i]);
          expect(mail.subject).not.toMatch(/[\r\n]/);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('keeps Markdown syntax identical to a benign name: no links, images, HTML or extra cells', () => {
    const benign = BENIGN.teams.map((t) => renderTeamMarkdown(BENIGN, t, ctx));
    fc.assert(
      fc.property(names, (n) => {
        const org = namedOrg(n);
        pairs(org).forEach(({ t }, i) => {
          const md = renderTeamMarkdown(org, t, ctx);
          const syntax = unescapedMarkdown(md);
          expect(syntax).not.toMatch(/[<>[\]]/);
          expect(syntax).not.toMatch(/https?:|www\./);
          expect(pipesPerLine(md)).toEqual(pipesPerLine(benign[i] ?? ''));
        });
      }),
      { numRuns: 60 },
    );
  });
});
