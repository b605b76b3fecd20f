/** DuckDB billing: FOCUS CSV/Parquet and AWS CUR 2.0 Parquet from local files. */
export {
  DEFAULT_MAX_BAD_INPUTS,
  type DuckDbBillingConfiguration,
  DuckDbBillingOptions,
  validateDuckDbBillingConfiguration,
} from './configuration.js';
export { type BillingFile, type BillingFormat, FORMAT_LABELS } from './files.js';
export { DuckDbBillingSource, openDuckDbBillingSource, SUMMARY_DIMENSIONS } from './source.js';
export { DIMENSIONS, type Dimension } from './sql.js';
export { curTagKey, glueColumnName, KNOWN_TAG_KEYS, normalizeCurTagKey } from './tags.js';
