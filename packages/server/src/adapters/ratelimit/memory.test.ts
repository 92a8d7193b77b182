import { rateLimitContract } from '../../test/contract/ratelimit.contract.js';
import { MemoryRateLimit } from './memory.js';

rateLimitContract('memory', async () => ({
  backend: new MemoryRateLimit(),
  cleanup: async () => {},
}));
