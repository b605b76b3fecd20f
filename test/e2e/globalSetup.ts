/**
 * Simulates the demo organisation once per test run (seed 1, two weeks, small scale) into a temp
 * folder that end-to-end tests share through `inject('simDir')`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { runSimulate } from '../../functions/simulate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    simDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ownercost-e2e-'));
  await runSimulate({ outDir: dir, seed: 1, weeks: 2, scale: 'small' });
  project.provide('simDir', dir);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
