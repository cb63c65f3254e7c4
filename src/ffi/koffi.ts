/** The koffi module the caller loaded: rnrkit/ffi never loads a native module of its own accord. */
export type Koffi = typeof import('koffi');
