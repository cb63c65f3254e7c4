/**
 * rnrkit/ffi: the running process's own memory as an AddressSpace, for FFI
 * callers that decode query sets C code built or returned. Node only (it
 * reads through koffi and asks the operating system which memory is
 * readable), so it is its own entry and the core stays browser-safe.
 */
export { LiveMemory, liveMemory } from './live-memory.js';
export { parseProcMaps } from './proc-maps.js';
export type { ReadableMemory } from './readable-memory.js';
