import { describe, expect, it } from 'vitest';
import { fitSlackBlocks, renderTeamSlack, SLACK_LIMITS } from '../../adapters/render/index.js';
import {
  BULK_TEAM,
  BULK_WORKLOADS,
  fixtureContext,
  fixtureFindings,
  fixtureOrg,
  HOSTILE_TEAM,
} from '../fixtures/render/org.js';
import { slackTexts } from './helpers.js';

const org = fixtureOrg();
const ctx = { ...fixtureContext, findings: fixtureFindings() };
const team = (name: string) => {
  const t = org.teams.find((x) => x.team === name);
  if (!t) throw new Error(`no team ${name} in the fixture`);
  return t;
};

interface Block {
  type: string;
  text?: { type: string; text: string };
  fields?: { text: string }[];
  elements?: { text: string | { text: string } }[];
}

function assertWithinLimits(message: { text: string; blocks: unknown[] }): void {
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  expect(message.blocks.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
  for (const b of message.blocks as Block[]) {
    if (b.type === 'header') {
      expect(b.text?.type).toBe('plain_text');
      expect([...(b.text?.text ?? '')].length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    }
    if (b.type === 'section') {
      expect(b.text?.text || b.fields?.length).toBeTruthy();
      if (b.text) expect([...b.text.text].length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
      for (const f of b.fields ?? []) expect([...f.text].length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
  }
}

describe('renderTeamSlack', () => {
  it('renders every team of the fixture within Slack limits, headline and thread', () => {
    for (const t of org.teams) {
      const msg = renderTeamSlack(org, t, ctx);
      assertWithinLimits(msg);
      assertWithinLimits(msg.thread);
    }
  });

  it('produces JSON that parses back to the same payload', () => {
    for (const t of org.teams) {
      const msg = renderTeamSlack(org, t, ctx);
      expect(JSON.parse(JSON.stringify(msg))).toEqual(msg);
    }
  });

  it('leads with the total, the change, the top components, the movers and the report link', () => {
    const msg = renderTeamSlack(org, team('ml-platform'), ctx);
    const json = JSON.stringify(msg.blocks);
    expect(msg.text).toContain('ml-platform');
    expect(msg.text).toMatch(/\$25,8\d\d/);
    expect(json).toContain('Where it goes');
    expect(json).toContain('What moved');
    expect(json).toContain('finetune-mistral-7b');
    expect(json).toContain('GPU-hours ×3.0');
    expect(json).toContain('▲');
    expect(json).toContain(fixtureContext.reportUrl);
    expect(JSON.stringify(msg.thread.blocks)).toContain('AI workloads');
    expect(JSON.stringify(msg.thread.blocks)).toContain('Unowned in your namespaces');
  });

  it('truncates the 300 workloads of a team with "and N more"', () => {
    const msg = renderTeamSlack(org, team(BULK_TEAM), ctx);
    const thread = slackTexts(msg.thread.blocks).join('\n');
    const workloads = slackTexts(msg.thread.blocks).find((t) => t.startsWith('*Workloads*')) ?? '';
    expect(workloads).toContain(`(${BULK_WORKLOADS} with cost this week)`);
    const more = workloads.match(/and (\d+) more/);
    expect(Number(more?.[1])).toBeGreaterThanOrEqual(BULK_WORKLOADS - 20);
    expect(thread).toMatch(/\*Namespaces\* \(12\)[\s\S]*and 2 more/);
  });

  it('never lets a hostile name mention, link or format', () => {
    for (const t of org.teams) {
      const msg = renderTeamSlack(org, t, ctx);
      for (const text of slackTexts([msg, msg.thread])) {
        expect(text).not.toMatch(/[<>]/);
        expect(text).not.toContain('*bold*');
      }
      for (const text of slackTexts([msg, msg.thread], 'mrkdwn')) {
        expect(text.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
      }
      // The payload is valid JSON even with quotes, backslashes and newlines in names.
      expect(() => JSON.parse(JSON.stringify(msg))).not.toThrow();
    }
    const hostile = renderTeamSlack(org, team(HOSTILE_TEAM), ctx);
    const all = JSON.stringify(hostile);
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;script&gt;');
    expect(all).toContain('&lt;@U123ABC&gt;');
  });

  it('cuts blocks, headers, sections and fields to the limits instead of failing', () => {
    const huge = 'x'.repeat(5000);
    const blocks = fitSlackBlocks([
      { type: 'header', text: { type: 'plain_text', text: huge } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: Array.from({ length: 400 }, (_, i) => `line ${i} ${'y'.repeat(20)}`).join('\n'),
        },
      },
      {
        type: 'section',
        fields: Array.from({ length: 14 }, () => ({ type: 'mrkdwn' as const, text: huge })),
      },
      ...Array.from({ length: 60 }, () => ({ type: 'divider' as const })),
    ]);
    assertWithinLimits({ text: 'fallback', blocks });
    const section = blocks[1] as Block;
    expect(section.text?.text).toMatch(/and \d+ more lines$/);
    expect((blocks.at(-1) as Block).type).toBe('context');
    expect(JSON.stringify(blocks.at(-1))).toMatch(/and \d+ more blocks/);
  });
});
