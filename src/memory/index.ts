export * from './address-space.js';
export * from './region-list.js';
