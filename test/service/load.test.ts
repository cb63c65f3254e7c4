import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/service/index.js';
import { tcp, tempDir } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./workers/load-worker.ts', import.meta.url));

/**
 * 8 processes × 2,000 mixed operations by default; RNRKIT_LOAD_OPS and
 * RNRKIT_LOAD_PROCESSES make it bigger, RNRKIT_LOAD_SYNC=FULL fsyncs every
 * commit (the default here is NORMAL, which keeps what a killed process
 * acknowledged but not what a power failure would take: the test is about
 * contention, and 16,000 fsyncs would be most of its time).
 */
const OPS = Number(process.env.RNRKIT_LOAD_OPS ?? 2000);
const PROCESSES = Number(process.env.RNRKIT_LOAD_PROCESSES ?? 8);
const SYNC = process.env.RNRKIT_LOAD_SYNC === 'FULL' ? 'FULL' : 'NORMAL';

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.remove());

function run(args: string[], onLine?: (line: string) => void): { exited: Promise<string>; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    if (onLine) for (const line of chunk.split('\n')) if (line) onLine(line);
  });
  const exited = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`worker ${args.slice(1, 3).join(' ')} exited ${code}: ${out}`)),
    );
  });
  return { exited, kill: () => child.kill('SIGTERM') };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

describe('load: honest principals and a hostile one on one store', () => {
  it(`${PROCESSES} processes × ${OPS} mixed operations all complete and are all kept while mallory floods`, async () => {
    const file = temp.file('load.db');
    openStore(file).close();
    let flooding!: () => void;
    const started = new Promise<void>((resolve) => {
      flooding = resolve;
    });
    const hostile = run([file, 'hostile', 'mallory', '0', SYNC], (line) => {
      if (line === 'flooding') flooding();
    });
    await started;
    const begin = Date.now();
    const outputs = await Promise.all(
      Array.from({ length: PROCESSES }, (_, i) => run([file, 'honest', `honest${i}`, String(OPS), SYNC]).exited),
    );
    const seconds = (Date.now() - begin) / 1000;
    hostile.kill();
    const flood = (await hostile.exited).trim().split('\n').pop()!;

    const reports = outputs.map((o) => JSON.parse(o.trim()) as { failures: string[]; latenciesMs: number[] });
    expect(reports.flatMap((r) => r.failures)).toEqual([]);
    const latencies = reports.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
    expect(latencies).toHaveLength(PROCESSES * OPS);
    const ms = (v: number) => `${v.toFixed(2)} ms`;
    console.log(
      `load: ${PROCESSES}×${OPS} honest operations (synchronous ${SYNC}) in ${seconds.toFixed(1)} s beside mallory (${flood}); honest latency p50 ${ms(percentile(latencies, 50))}, p90 ${ms(percentile(latencies, 90))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies[latencies.length - 1]!)}`,
    );

    // Every honest operation is there: per worker, the odd blocks' objects with address C, the even ones deleted.
    const store = openStore(file, { readOnly: true });
    const objects = store.list();
    store.close();
    for (let i = 0; i < PROCESSES; i++) {
      const mine = objects.filter((o) => o.owner === `honest${i}`);
      const blocks = Math.floor(OPS / 4);
      const expected = Array.from({ length: blocks }, (_, b) => b)
        .filter((b) => b % 2 === 1)
        .map((b) => `honest${i}-obj-${b}`);
      expect(mine.map((o) => o.lpszServiceInstanceName).sort()).toEqual(expected.sort());
      for (const o of mine) expect(o).toMatchObject({ state: 'REGISTERED', lpcsaBuffer: [tcp(3, 1000 + i)] });
    }
    // Mallory was held to its quota.
    expect(objects.filter((o) => o.owner === 'mallory').length).toBeLessThanOrEqual(300);
  }, 300_000);
});
