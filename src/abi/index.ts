/**
 * `rnrkit/abi`: the schema itself and the pointer primitives, for code that
 * builds on rnrkit's tables (generators, adapters, views of its own). The
 * root entry has what decoding, encoding and matching need.
 *
 * @packageDocumentation
 */
export { AbiError } from './errors.js';
export { canonicalGuid, guidFromBytes, guidToBytes, isGuid } from './guid.js';
export type { ResolvedType } from './layout.js';
export { hasStruct, pointerSize, resolveType } from './layout.js';
export { readPointer, readPointerBig, writePointer } from './pointer.js';
export { AGGREGATES, PUBLIC_STRUCTS } from './structs.js';
export { TYPEDEFS } from './typedefs.js';
export type { AggregateDef, AnonymousDef, FieldDef, MemberDef, TypedefSpec } from './types.js';
export { ARCHES, isAnonymous } from './types.js';
