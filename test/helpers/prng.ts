/**
 * mulberry32: a small, well-mixed seeded PRNG. Tests and benchmarks use it so
 * a seed names the same data on every run (and in every worker process).
 */
export function randomWords(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The same sequence as `randomWords`, scaled to [0, 1) like Math.random. */
export function prng(seed: number): () => number {
  const next = randomWords(seed);
  return () => next() / 0x1_0000_0000;
}
