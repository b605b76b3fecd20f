/** Chooses an ObjectStore adapter by URL scheme. */
import type { ObjectStore } from '../../core/ports.js';
import { UsageError } from '../../core/schema/errors.js';
import { FsObjectStore } from './fs.js';

export function openObjectStore(url: string): ObjectStore {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (!scheme || scheme === 'file') return new FsObjectStore(url);
  if (scheme === 's3' || scheme === 'gs' || scheme === 'azblob') {
    throw new UsageError(
      `openObjectStore: ${scheme}:// stores come with the agent work; use a folder or file:// URL for now (${url.replace(/\?.*$/, '')})`,
    );
  }
  throw new UsageError(
    `openObjectStore: unknown store scheme "${scheme}://" (use file://, s3://, gs:// or azblob://)`,
  );
}
