/**
 * Loads provider IP-range files (AWS ip-ranges.json, GCP cloud.json, Azure Service Tags) from a
 * path or an http(s) URL and parses them with core/network/providers.
 */
import { readFile } from 'node:fs/promises';
import { type ProviderRanges, parseProviderRanges } from '../../core/network/providers.js';
import { OwnercostError } from '../../core/schema/errors.js';

export class IpRangesError extends OwnercostError {
  override name = 'IpRangesError';
}

/** Reads and parses one range file; the format is recognised from its content. */
export async function loadIpRanges(source: string, fetchImpl: typeof fetch = fetch): Promise<ProviderRanges> {
  let text: string;
  if (/^https?:\/\//i.test(source)) {
    let res: Response;
    try {
      res = await fetchImpl(source, { signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new IpRangesError(`ip ranges: fetch failed for ${redact(source)}`, { cause: err });
    }
    if (!res.ok) throw new IpRangesError(`ip ranges: ${redact(source)} answered HTTP ${res.status}`);
    text = await res.text();
  } else {
    const path = source.startsWith('file://') ? new URL(source) : source;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new IpRangesError(
        `ip ranges: cannot read ${source} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        {
          cause: err,
        },
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new IpRangesError(`ip ranges: ${redact(source)} is not JSON`, { cause: err });
  }
  const ranges = parseProviderRanges(json);
  if (!ranges) {
    throw new IpRangesError(
      `ip ranges: ${redact(source)} is none of AWS ip-ranges.json, GCP cloud.json or Azure Service Tags`,
    );
  }
  return ranges;
}

/** A URL without its query string (signed URLs carry credentials there). */
function redact(source: string): string {
  return source.replace(/\?.*$/, '');
}
