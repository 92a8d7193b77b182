export { ShardedStore, type ShardedStoreOptions } from './store.js';
export type { ShardedChangesPage, ShardVector } from './vector.js';
