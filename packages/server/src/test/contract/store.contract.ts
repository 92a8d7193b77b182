/**
 * The contract of the storage port (`src/ports/store.ts`), run against every adapter:
 *
 * ```ts
 * storeContract('sqlite', async () => {
 *   const path = join(tmpdir(), `parley-${randomUUID()}.db`);
 *   let store = new SqliteStore({ path });
 *   await store.migrate();
 *   return {
 *     store,
 *     reopen: async () => { store = new SqliteStore({ path }); await store.migrate(); return store; },
 *     cleanup: async () => { await store.close(); await rm(path, { force: true }); },
 *   };
 * });
 * ```
 *
 * `factory` is called before each test and must return a migrated store. Every test uses fresh
 * random ids and usernames, so an adapter may hand out the same database to every test; but
 * `headPos`-relative assertions assume no other writer touches it while a test runs.
 * `reopen` opens a new store on the same database after the test closed `store` (durability);
 * `cleanup` closes whatever is still open and may drop the database.
 */
import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../../ports/store.js';
import { accountTests } from './store/accounts.js';
import { appendTests } from './store/append.js';
import { conversationTests } from './store/conversations.js';
import type { StoreContext } from './store/helpers.js';
import { historyTests } from './store/history.js';
import { identityTests } from './store/identities.js';
import { syncTests } from './store/sync.js';
import { workspaceTests } from './store/workspaces.js';

export interface StoreFixture {
  store: Store;
  /** Opens the same database again (after the test closed `store`), migrated. */
  reopen: () => Promise<Store>;
  /** Closes what is open and removes the database. */
  cleanup: () => Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    let fixture: StoreFixture | undefined;
    let current: Store | undefined;

    beforeEach(async () => {
      fixture = await factory();
      current = fixture.store;
    });
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
      current = undefined;
    });

    const ctx: StoreContext = {
      store: () => {
        if (current === undefined) throw new Error('no store: used outside a test');
        return current;
      },
      reopen: async () => {
        if (fixture === undefined) throw new Error('no fixture: used outside a test');
        current = await fixture.reopen();
        return current;
      },
    };

    accountTests(ctx);
    identityTests(ctx);
    workspaceTests(ctx);
    conversationTests(ctx);
    appendTests(ctx);
    historyTests(ctx);
    syncTests(ctx);
  });
}
