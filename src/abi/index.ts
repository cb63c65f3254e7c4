export * from './types.js';
export * from './constants.js';
export * from './guid.js';
export { AbiError } from './errors.js';
export { layoutOf, resolveType, structNames, hasStruct, pointerSize } from './layout.js';
export type { StructLayout, FieldLayout, MemberLayout, ResolvedType } from './layout.js';
export { AGGREGATES, PUBLIC_STRUCTS } from './structs.js';
export { TYPEDEFS } from './typedefs.js';
