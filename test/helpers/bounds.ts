import { getHeapStatistics } from 'node:v8';
import { expect } from 'vitest';

/**
 * The bounds every fuzz target asserts per input: wall time, and how much
 * the JS heap grew while the input was handled (garbage included: an input
 * of a few KiB that makes rnrkit allocate tens of MiB is amplification even
 * if the memory is freed later).
 */
export interface InputBounds {
  readonly ms: number;
  readonly heapBytes: number;
}

export async function withinBounds<T>(label: string, bounds: InputBounds, run: () => T | Promise<T>): Promise<T> {
  const before = getHeapStatistics().used_heap_size;
  const started = performance.now();
  const result = await run();
  const took = performance.now() - started;
  const grew = getHeapStatistics().used_heap_size - before;
  expect(took, `${label}: time`).toBeLessThan(bounds.ms);
  expect(grew, `${label}: heap growth`).toBeLessThan(bounds.heapBytes);
  return result;
}

/** withinBounds for a synchronous body (fast-check's sync properties). */
export function withinBoundsSync<T>(label: string, bounds: InputBounds, run: () => T): T {
  const before = getHeapStatistics().used_heap_size;
  const started = performance.now();
  const result = run();
  expect(performance.now() - started, `${label}: time`).toBeLessThan(bounds.ms);
  expect(getHeapStatistics().used_heap_size - before, `${label}: heap growth`).toBeLessThan(bounds.heapBytes);
  return result;
}

/** Run `f`; an error is fine only if it is one of `allowed` (rnrkit's own classes). */
export async function onlyErrors(
  allowed: readonly (abstract new (...args: never[]) => Error)[],
  f: () => unknown,
): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!allowed.some((cls) => e instanceof cls)) throw e;
  }
}
