/** Delivery planning: ports, ticket reconciliation, email and ticket bodies, the delivery ledger. */
export * from './email.js';
export * from './labels.js';
export * from './ledger.js';
export * from './ports.js';
export * from './reconcile.js';
export * from './ticketBody.js';
