/**
 * rnrkit: byte-exact Windows Sockets RnR structures for x86 and x64.
 * This entry point is browser-safe (Uint8Array/DataView, no Buffer); the
 * Node-only parts (files, SQLite, CLI) are imported from their own modules.
 */
export * from './abi/index.js';
export * from './errors.js';
export * from './memory/index.js';
export * from './codec/index.js';
export * from './match/index.js';
