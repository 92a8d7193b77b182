/**
 * @parley/protocol — the one definition of Parley's wire protocol, imported by the server,
 * the SDK and the web app. See docs/protocol.md for the prose.
 */
export * from './errors.js';
export * from './frames.js';
export * from './hot-frames.js';
export * from './http.js';
export * from './limits.js';
export * from './model.js';
