/**
 * Reviewer script: screenshots of a week's rendered reports, to look at the design.
 *
 *   npm run screenshots [-- out/<week>]
 *
 * Renders `org.html` (1280 px wide, full page) and every `email.html` found under the week folder
 * (600 px wide, full page) to PNGs under `out/<week>/screenshots/`, in headless Debian Chromium
 * (`/usr/bin/chromium`, or CHROMIUM_PATH). Pages are loaded with `setContent` and every request is
 * blocked, so a report that tried to load something would show it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

function newestWeek(outDir: string): string {
  const weeks = readdirSync(outDir)
    .map((d) => join(outDir, d))
    .filter((p) => statSync(p).isDirectory())
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs || b.localeCompare(a));
  const week = weeks[0];
  if (!week) throw new Error(`screenshots: no week folder under ${outDir}`);
  return week;
}

function findFiles(dir: string, name: string, skip: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory() && p !== skip) out.push(...findFiles(p, name, skip));
    else if (entry.isFile() && entry.name === name) out.push(p);
  }
  return out.sort();
}

/** A file name for a screenshot from the page's path inside the week folder. */
function shotName(weekDir: string, file: string): string {
  const rel = relative(weekDir, file).replace(/\.html$/, '');
  return `${rel.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || basename(file)}.png`;
}

async function main(): Promise<void> {
  const arg = process.argv[2];
  const weekDir = resolve(arg ?? newestWeek(resolve('out')));
  const shots = join(weekDir, 'screenshots');
  await mkdir(shots, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'ownercost-chromium-'));
  // A fresh profile per run: playwright passes it to Chromium as --user-data-dir.
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    deviceScaleFactor: 1,
  });
  try {
    const pages: { file: string; width: number }[] = [];
    const org = join(weekDir, 'org.html');
    try {
      if (statSync(org).isFile()) pages.push({ file: org, width: 1280 });
    } catch {
      console.warn(`screenshots: no org.html in ${weekDir}`);
    }
    for (const f of findFiles(weekDir, 'email.html', shots)) pages.push({ file: f, width: 600 });
    for (const { file, width } of pages) {
      const page = await browser.newPage();
      await page.setViewportSize({ width, height: 900 });
      await page.route('**/*', (route) => route.abort());
      await page.setContent(readFileSync(file, 'utf8'), { waitUntil: 'load' });
      const out = join(shots, shotName(weekDir, file));
      await page.screenshot({ path: out, fullPage: true });
      const overflow = Number(
        await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'),
      );
      console.log(`${relative(process.cwd(), out)}${overflow > 0 ? `  (overflows by ${overflow}px)` : ''}`);
      await page.close();
    }
    if (pages.length === 0) console.warn(`screenshots: nothing to render in ${weekDir}`);
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
