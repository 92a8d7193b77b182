export { SCHEMA_VERSION } from './migrations.js';
export { SqliteStore, type SqliteStoreOptions } from './store.js';
