/**
 * `rnrkit/adapters`: rnrkit's schema as restructure, buffer-layout and koffi
 * types, one function per library with the same arguments
 * (`restructureCodecOf`, `bufferLayoutOf`, `koffiTypeOf`: a struct name and
 * an arch), plus the restructure types they are built from. Node-only: they
 * import those packages (optional peer dependencies).
 *
 * @packageDocumentation
 */

export { bufferLayoutOf } from './buffer-layout.js';
export { koffiTypeOf } from './koffi.js';
export {
  Aligned8,
  BaseRelativePointer,
  CodeUnitString,
  GlobalPointer,
  type ImageBase,
  Mapped,
  type RestructureCodec,
  restructureCodecOf,
  UInt64LE,
} from './restructure.js';
