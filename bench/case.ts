/**
 * A benchmark case. Files in bench/cases/ export `cases: BenchCase[]`;
 * bench/run.ts picks them by the regex given on the command line.
 *
 * Names follow docs/benchmarks.md: `area/case`, and a baseline measured side by
 * side is the case's name plus `@baseline` (`match/100k@c`).
 */
export interface BenchCase {
  readonly name: string;
  /** What `hz` counts: operations, entries or bytes per second. */
  readonly unit: 'op' | 'entry' | 'byte';
  /** Units one call of `fn` handles (entries in a set, bytes scanned). */
  readonly unitsPerCall?: number;
  /** Runs once before timing; not timed. */
  readonly setup?: () => void | Promise<void>;
  /** The timed work. Return a value so the engine cannot drop the work. */
  readonly fn?: () => unknown;
  /**
   * For native baselines that time themselves (bench/native/*.c): returns
   * units per second measured by the C program, run in this same bench run.
   */
  readonly external?: () => Promise<number> | number;
}
