/**
 * The delivery ledger in the ObjectStore (model and layout in core/delivery/ledger.ts):
 * `runs/<week>/<safeName(team)>/<slack|email|tickets>.json`, read before sending and written
 * right after each successful send.
 */
import {
  LEDGER_SCHEMA,
  type LedgerEntry,
  LedgerError,
  type LedgerOf,
  ledgerKey,
  parseLedger,
} from '../../core/delivery/ledger.js';
import type { Channel } from '../../core/delivery/ports.js';
import type { ObjectStore } from '../../core/ports.js';

type Unstamped<E> = E extends LedgerEntry ? Omit<E, 'schema' | 'updatedAt'> : never;

export class DeliveryLedger {
  constructor(
    private readonly store: ObjectStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  key(week: string, team: string, channel: Channel): string {
    return ledgerKey(week, team, channel);
  }

  /** The entry, or null when this team's channel has no record for the week. */
  async read<C extends Channel>(week: string, team: string, channel: C): Promise<LedgerOf<C> | null> {
    const key = ledgerKey(week, team, channel);
    let bytes: Uint8Array | null;
    try {
      bytes = await this.store.get(key);
    } catch (err) {
      throw new LedgerError(`ledger: reading ${key} failed`, { cause: err });
    }
    if (!bytes) return null;
    const entry = parseLedger(channel, key, Buffer.from(bytes).toString('utf8'));
    if (entry.team !== team || entry.week !== week) {
      // Two team names that map to one safe name would share a key; refuse rather than mix them up.
      throw new LedgerError(`ledger: ${key} belongs to another team or week`);
    }
    return entry;
  }

  /** Writes (replaces) the entry, stamping schema and time. */
  async write<C extends Channel>(
    entry: Unstamped<LedgerOf<C>> & { schema?: string; updatedAt?: string },
  ): Promise<LedgerOf<C>> {
    const full = {
      ...entry,
      schema: LEDGER_SCHEMA,
      updatedAt: this.now().toISOString(),
    } as unknown as LedgerOf<C>;
    const key = ledgerKey(full.week, full.team, full.channel);
    try {
      await this.store.put(key, new TextEncoder().encode(`${JSON.stringify(full, null, 2)}\n`));
    } catch (err) {
      throw new LedgerError(`ledger: writing ${key} failed`, { cause: err });
    }
    return full;
  }
}
