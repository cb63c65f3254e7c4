/**
 * Adapters: rnrkit's schema as restructure, buffer-layout and koffi types.
 * Node-only (they import those packages, optional peer dependencies), so
 * they are not part of the browser-safe `rnrkit` entry point: import them
 * from `rnrkit/dist/adapters/index.js`.
 */
export {
  restructureCodec, restructureQuerySet, restructureServiceClassInfo, type RestructureCodec,
  UInt64LE, BaseRelativePointer, CodeUnitString, Mapped, Aligned8, GlobalPointer,
} from './restructure.js';
export { bufferLayoutOf } from './buffer-layout.js';
export { koffiTypeOf, loadKoffi } from './koffi.js';
export { fixedStruct, type FixedType, type FixedMember } from './fixed-fields.js';
