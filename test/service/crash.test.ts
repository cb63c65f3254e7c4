import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/service/index.js';
import { prng } from '../helpers/prng.js';
import { tempDir } from './helpers.js';
import { type ScriptedOp, script } from './workers/op-script.js';

const WORKER = fileURLToPath(new URL('./workers/store-worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.remove());

function startWorker(args: string[]): {
  child: ChildProcess;
  lines: string[];
  firstAck: Promise<void>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let resolveFirst: () => void;
  const firstAck = new Promise<void>((resolve) => {
    resolveFirst = resolve;
  });
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    // Only whole lines count: a line cut by the kill was not an acknowledgement.
    for (const line of parts) {
      lines.push(line);
      if (lines.length === 1) resolveFirst();
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      resolveFirst();
      resolve(code);
    }),
  );
  return { child, lines, firstAck, exited };
}

/**
 * The table written out again, independently of src/: objects by instance
 * name, addresses as JSON strings in insertion order.
 */
type Model = Map<string, { state: 'REGISTERED' | 'DEREGISTERED'; addresses: string[] }>;

function applyToModel(model: Model, op: ScriptedOp): number {
  const requested = op.addresses.map((a) => JSON.stringify(a));
  const unique = [...new Set(requested)];
  const existing = model.get(op.instance);
  if (op.operation === 0) {
    if (!existing || op.flags === 0) model.set(op.instance, { state: 'REGISTERED', addresses: unique });
    else
      model.set(op.instance, {
        state: 'REGISTERED',
        addresses: [...existing.addresses, ...unique.filter((a) => !existing.addresses.includes(a))],
      });
    return 0;
  }
  if (!existing) return 10108;
  if (op.operation === 1 && op.flags === 0) {
    model.set(op.instance, { state: 'DEREGISTERED', addresses: [] });
    return 0;
  }
  if (op.operation === 2 && op.flags === 0) {
    model.delete(op.instance);
    return 0;
  }
  const left = existing.addresses.filter((a) => !requested.includes(a));
  if (op.operation === 1)
    model.set(op.instance, { state: left.length === 0 ? 'DEREGISTERED' : existing.state, addresses: left });
  else if (left.length === 0) model.delete(op.instance);
  else model.set(op.instance, { state: existing.state, addresses: left });
  return 0;
}

function snapshot(model: Model): Record<string, { state: string; addresses: string[] }> {
  return Object.fromEntries(
    [...model.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, { state: v.state, addresses: [...v.addresses] }]),
  );
}

function storeSnapshot(file: string): Record<string, { state: string; addresses: string[] }> {
  const db = new Database(file, { readonly: true });
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
  const store = openStore(file);
  try {
    return Object.fromEntries(
      store
        .list()
        .sort((a, b) => a.lpszServiceInstanceName!.localeCompare(b.lpszServiceInstanceName!))
        .map((o) => [
          o.lpszServiceInstanceName!,
          { state: o.state, addresses: o.lpcsaBuffer.map((a) => JSON.stringify(a)) },
        ]),
    );
  } finally {
    store.close();
  }
}

describe('durability', () => {
  it('SIGKILL at random points loses no acknowledged operation and leaves no torn state', async () => {
    const random = prng(20240601);
    const runs = 5;
    for (let run = 0; run < runs; run++) {
      const file = temp.file(`crash-${run}.db`);
      const seed = 1000 + run;
      const worker = startWorker([file, 'script', String(seed), '100000']);
      await worker.firstAck;
      await new Promise((resolve) => setTimeout(resolve, 30 + Math.floor(random() * 400)));
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBeNull();
      const acks = worker.lines.filter((l) => l.startsWith('ack ')).map((l) => l.split(' ').map(Number));
      expect(acks.length).toBeGreaterThan(0);
      expect(acks.length).toBeLessThan(100000); // really killed mid-run
      const ops = script(seed, acks.length + 1);
      const model: Model = new Map();
      acks.forEach(([, i, rc, code], k) => {
        expect(i).toBe(k);
        const expected = applyToModel(model, ops[k]!);
        expect([rc, code]).toEqual(expected === 0 ? [0, 0] : [-1, expected]);
      });
      const afterAcked = snapshot(model);
      applyToModel(model, ops[acks.length]!);
      const afterInFlight = snapshot(model);
      // The operation in flight when the kill came either committed entirely or not at all.
      const found = storeSnapshot(file);
      expect([afterAcked, afterInFlight]).toContainEqual(found);
    }
  }, 120_000);

  it('two processes writing one (new) store at once lose nothing', async () => {
    const file = temp.file('shared.db');
    const count = 60;
    const [a, b] = [
      startWorker([file, 'append', 'A', String(count)]),
      startWorker([file, 'append', 'B', String(count)]),
    ];
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    for (const w of [a, b]) {
      expect(w.lines.at(-1)).toBe('done');
      expect(w.lines.filter((l) => l.startsWith('ack ')).every((l) => l.endsWith(' 0 0'))).toBe(true);
    }
    const store = openStore(file);
    const objects = store.list();
    store.close();
    const shared = objects.find((o) => o.lpszServiceInstanceName === 'shared')!;
    const ports = shared.lpcsaBuffer
      .map((e) => parseInt(e.LocalAddr.lpSockaddr!.slice(4, 8), 16))
      .sort((x, y) => x - y);
    expect(ports).toEqual([
      ...Array.from({ length: count }, (_, i) => 1000 + i),
      ...Array.from({ length: count }, (_, i) => 2000 + i),
    ]);
    expect(objects).toHaveLength(1 + 2 * count);
  }, 120_000);
});
