export * from './address-space.js';
export * from './region-list.js';
export * from './pointer.js';
