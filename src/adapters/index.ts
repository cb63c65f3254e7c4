/**
 * `rnrkit/adapters`: rnrkit's schema as restructure, buffer-layout and koffi
 * types, one function per library with the same arguments
 * (`restructureCodecOf`, `bufferLayoutOf`, `koffiTypeOf`: a struct name and
 * an arch), plus the restructure types they are built from. Node-only: they
 * import those packages (optional peer dependencies).
 *
 * @packageDocumentation
 */
export {
  restructureCodecOf, type RestructureCodec, type ImageBase,
  UInt64LE, BaseRelativePointer, CodeUnitString, Mapped, Aligned8, GlobalPointer,
} from './restructure.js';
export { bufferLayoutOf } from './buffer-layout.js';
export { koffiTypeOf } from './koffi.js';
