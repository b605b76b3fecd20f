/**
 * Follows conntrack DESTROY events (`conntrack -E -e DESTROY -o extended,id`): each line carries
 * a flow's final counters, so bytes of flows that end between two table reads are not lost.
 * Streams stdout chunks to a callback; restarts the command with exponential backoff (1 s … 30 s)
 * when it dies; counts restarts and lost-event warnings (ENOBUFS).
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface DestroyFollowerOptions {
  onChunk: (chunk: Uint8Array) => void;
  log?: (line: string) => void;
  /** Default `conntrack`. */
  bin?: string;
  /** Default `['-E', '-e', 'DESTROY', '-o', 'extended,id']`. */
  args?: readonly string[];
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class DestroyFollower {
  private child: ChildProcess | null = null;
  private stopped = false;
  private backoffMs: number;
  private timer: NodeJS.Timeout | null = null;
  restarts = 0;
  /** The command could not be found: no events are followed. */
  unavailable = false;
  /** `conntrack -E` reported that the kernel dropped events (netlink buffer overrun). */
  overruns = 0;
  private readyResolve: (() => void) | null = null;
  /** Resolves once the first process has started (or could not start). */
  readonly ready: Promise<void>;

  constructor(private readonly options: DestroyFollowerOptions) {
    this.backoffMs = options.minBackoffMs ?? 1000;
    this.ready = new Promise((resolve) => {
      this.readyResolve = resolve;
    });
  }

  start(): void {
    if (this.stopped || this.child) return;
    const bin = this.options.bin ?? 'conntrack';
    const args = this.options.args ?? ['-E', '-e', 'DESTROY', '-o', 'extended,id'];
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const startedAt = Date.now();
    child.stdout?.on('data', (c: Buffer) => this.options.onChunk(c));
    child.stderr?.on('data', (c: Buffer) => {
      const text = c.toString('utf8');
      if (/ENOBUFS/i.test(text)) this.overruns++;
      else if (!/flow events have been shown/.test(text))
        this.options.log?.(`conntrack follower: ${text.trim()}`);
    });
    child.on('spawn', () => {
      // conntrack subscribes to the netlink group right after it starts.
      setTimeout(() => this.readyResolve?.(), 150);
    });
    child.on('error', (err) => {
      // A missing binary will not appear by retrying.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.stopped = true;
        this.unavailable = true;
      }
      this.options.log?.(
        `conntrack follower: cannot run ${bin} (${(err as NodeJS.ErrnoException).code ?? err.message}); DESTROY events are not followed`,
      );
      this.readyResolve?.();
    });
    child.on('close', (code, signal) => {
      this.child = null;
      if (this.stopped) return;
      if (Date.now() - startedAt > 60_000) this.backoffMs = this.options.minBackoffMs ?? 1000;
      this.options.log?.(
        `conntrack follower: exited (${signal ?? code}); restarting in ${this.backoffMs} ms`,
      );
      this.restarts++;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.start();
      }, this.backoffMs);
      this.timer.unref();
      this.backoffMs = Math.min(this.options.maxBackoffMs ?? 30_000, this.backoffMs * 2);
    });
  }

  /** Stops following; resolves when the process has exited and its output is consumed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.readyResolve?.();
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
