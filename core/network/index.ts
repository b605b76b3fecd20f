/** Network classification and the conntrack collector's pure core (no I/O, no clock). */
export * from './attribute.js';
export * from './classify.js';
export * from './conntrack.js';
export * from './delta.js';
export * from './ip.js';
export * from './ipTable.js';
export * from './pipeline.js';
export * from './providers.js';
export * from './topology.js';
export * from './trie.js';
