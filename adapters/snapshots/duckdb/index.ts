/** Snapshots in DuckDB: load a window of NDJSON objects into typed tables and reduce them to hour facts. */
export { createHourFactsReader, type HourFactsReader, type HourFactsWindow } from './hourFacts.js';
export {
  decodeLines,
  type LoadStats,
  type LocalSnapshotFile,
  listSnapshotKeys,
  loadSnapshotFiles,
  localFiles,
  MAX_LINE_BYTES,
  readBadInputs,
} from './load.js';
export {
  createSampleTables,
  NODE_SAMPLES_DDL,
  POD_SAMPLES_DDL,
  SAMPLE_TABLES,
  SAMPLE_TABLES_DDL,
  type SampleTable,
} from './tables.js';
export { openSnapshotWarehouse, type SnapshotWarehouse, type SnapshotWarehouseOptions } from './warehouse.js';
