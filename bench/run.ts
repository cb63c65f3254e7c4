/**
 * npm run bench [-- PATTERN]: run the cases whose name matches PATTERN (a
 * regex; all by default) with the `benchmark` package, print a table with
 * each case's ratio to its baselines, and write bench/results.json as
 * [{"case","hz","unit"}] (docs/benchmarks.md).
 */

import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Benchmark from 'benchmark';
import type { BenchCase } from './case.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const pattern = new RegExp(process.argv[2] ?? '.');
const maxTime = Number(process.env.RNRKIT_BENCH_SECONDS ?? 2);

interface Result {
  case: string;
  hz: number;
  unit: BenchCase['unit'];
  rme?: number;
}

async function loadCases(): Promise<BenchCase[]> {
  const files = readdirSync(join(here, 'cases'))
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const all: BenchCase[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, 'cases', f)).href)) as { cases?: BenchCase[] };
    all.push(...(mod.cases ?? []));
  }
  return all;
}

function measure(c: BenchCase): Promise<{ hz: number; rme: number }> {
  return new Promise((resolve, reject) => {
    const bench = new Benchmark(c.name, { fn: c.fn!, maxTime, minSamples: 5 } as Benchmark.Options);
    bench.on('complete', () => {
      if (bench.error) reject(bench.error as Error);
      else resolve({ hz: bench.hz, rme: bench.stats.rme });
    });
    bench.on('error', () => reject(bench.error as Error));
    bench.run({ async: false });
  });
}

const cases = (await loadCases()).filter((c) => pattern.test(c.name));
if (cases.length === 0) {
  console.error(`no benchmark case matches /${pattern.source}/`);
  process.exit(2);
}
const results: Result[] = [];
for (const c of cases) {
  await c.setup?.();
  const perCall = c.unitsPerCall ?? 1;
  if (c.external) {
    const hz = await c.external();
    results.push({ case: c.name, hz, unit: c.unit });
  } else {
    const { hz, rme } = await measure(c);
    results.push({ case: c.name, hz: hz * perCall, unit: c.unit, rme });
  }
  const r = results[results.length - 1]!;
  process.stderr.write(
    `${r.case.padEnd(32)} ${format(r.hz)} ${r.unit}/s${r.rme !== undefined ? ` ±${r.rme.toFixed(1)}%` : ''}\n`,
  );
}

// The table: each case beside its baselines (same name before the '@').
console.log(`\n${'case'.padEnd(32)} ${'per second'.padStart(14)}  unit   vs baseline`);
for (const r of results) {
  const [main, baseline] = r.case.split('@');
  let ratio = '';
  if (baseline === undefined) {
    ratio = results
      .filter((b) => b.case.startsWith(`${main}@`))
      .map((b) => `${(r.hz / b.hz).toFixed(2)}× ${b.case.slice(main!.length)}`)
      .join(', ');
  }
  console.log(`${r.case.padEnd(32)} ${format(r.hz).padStart(14)}  ${r.unit.padEnd(5)}  ${ratio}`);
}
writeFileSync(
  join(here, 'results.json'),
  `${JSON.stringify(
    results.map(({ case: name, hz, unit }) => ({ case: name, hz: Math.round(hz * 100) / 100, unit })),
    null,
    2,
  )}\n`,
);
console.log(`\nwrote bench/results.json (${results.length} cases)`);

function format(hz: number): string {
  return hz >= 100 ? Math.round(hz).toLocaleString('en-US') : hz.toFixed(2);
}
