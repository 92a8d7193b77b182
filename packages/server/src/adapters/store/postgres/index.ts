export type { PoolOptions } from './db.js';
export { SCHEMA_VERSION } from './migrations.js';
export { PostgresStore, type PostgresStoreOptions } from './store.js';
