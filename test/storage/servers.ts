/** Local storage servers for integration tests: s3rver and Azurite, on 127.0.0.1 ports the OS picks. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface LocalS3 {
  port: number;
  endpoint: string;
  directory: string;
  stop(): Promise<void>;
}

/**
 * Starts s3rver (in a child process, see s3rverChild.mjs) with a bucket; pass `port` and
 * `directory` to restart it on the same data.
 */
export async function startS3rver(
  options: { bucket?: string; port?: number; directory?: string } = {},
): Promise<LocalS3> {
  const directory = options.directory ?? (await mkdtemp(path.join(tmpdir(), 'ownercost-s3rver-')));
  const script = fileURLToPath(new URL('./s3rverChild.mjs', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      script,
      String(options.port ?? 0),
      directory,
      options.bucket ?? 'ownercost',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await waitForPort(child, /listening (\d+)/, 's3rver');
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    directory,
    stop: () => stopChild(child),
  };
}

function waitForPort(child: ChildProcess, pattern: RegExp, name: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${out}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface LocalAzurite {
  endpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

export async function startAzurite(): Promise<LocalAzurite> {
  const require = createRequire(import.meta.url);
  const main = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--disableTelemetry',
      '--skipApiVersionCheck',
      '--loose',
      '--silent',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await waitForPort(child, /listens on http:\/\/127\.0\.0\.1:(\d+)/, 'azurite');
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    endpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
    stop: () => stopChild(child),
  };
}
