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
// The minidump parser and the scanner need no Node API (files are opened by src/dump/index.ts).
export { Minidump, isMinidump, type MinidumpHeader } from './dump/minidump.js';
export { type ByteSource, bytesSource } from './dump/source.js';
export { MinidumpFormatError } from './dump/errors.js';
export { type Candidate, type ScanOptions, scanQuerySets } from './dump/scan.js';
export { type AnnotateOptions, annotateQuerySet } from './dump/annotate.js';
