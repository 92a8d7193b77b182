/** @parley/server — the Parley server as a library: start it in-process (tests, embedding). */
export { type Config, loadConfig } from './config.js';
export { openBus, openStore, type Parley, startServer } from './main.js';
