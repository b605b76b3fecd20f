import { describe, expect, it } from 'vitest';
import { renderTeamMarkdown } from '../../adapters/render/index.js';
import {
  BULK_TEAM,
  fixtureContext,
  fixtureFindings,
  fixtureOrg,
  HOSTILE_TEAM,
} from '../fixtures/render/org.js';
import { pipesPerLine, unescapedMarkdown } from './helpers.js';

const org = fixtureOrg();
const ctx = { generatedAt: fixtureContext.generatedAt, findings: fixtureFindings() };
const team = (name: string) => {
  const t = org.teams.find((x) => x.team === name);
  if (!t) throw new Error(`no team ${name} in the fixture`);
  return t;
};

describe('renderTeamMarkdown', () => {
  it('renders the headline numbers and tables of a team', () => {
    const md = renderTeamMarkdown(org, team('ml-platform'), ctx);
    expect(md).toMatch(/^# Weekly cost: ml-platform/);
    expect(md).toContain('## Where it goes');
    expect(md).toContain('| GPU |');
    expect(md).toContain('finetune\\-mistral\\-7b'.replace(/\\-/g, '-'));
  });

  it('escapes hostile names so they cannot add links, images, HTML or table cells', () => {
    for (const t of org.teams) {
      const md = renderTeamMarkdown(org, t, ctx);
      const syntax = unescapedMarkdown(md);
      expect(syntax).not.toMatch(/[<>]/);
      expect(syntax).not.toContain('](');
      expect(syntax).not.toContain('![');
      expect(syntax).not.toContain('*bold*');
      expect(syntax).not.toMatch(/https?:/);
      // Every row of a table has as many cells as its header.
      const lines = md.split('\n');
      const pipes = pipesPerLine(md);
      lines.forEach((line, i) => {
        if (line.startsWith('|') && lines[i - 1]?.startsWith('|')) {
          let h = i;
          while (h > 0 && lines[h - 1]?.startsWith('|')) h--;
          expect(pipes[i]).toBe(pipes[h]);
        }
      });
    }
    const hostile = renderTeamMarkdown(org, team(HOSTILE_TEAM), ctx);
    expect(hostile).toContain('\\<script\\>');
  });

  it('truncates long lists with "and N more"', () => {
    const md = renderTeamMarkdown(org, team(BULK_TEAM), ctx);
    expect(md).toMatch(/and \d+ more/);
  });

  it('links the full report only through an angle-bracket destination', () => {
    const md = renderTeamMarkdown(org, team('ml-platform'), {
      ...ctx,
      reportUrl: 'https://x.example/r?a=(b)',
    });
    expect(md).toContain('[Full report](<https://x.example/r?a=(b)>)');
  });
});
