import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, WinsockRegistry } from '../../src/service/index.js';
import { runCli } from '../helpers/cli.js';
import { prng } from '../helpers/prng.js';
import { querySet, tcp, tempDir } from './helpers.js';

/**
 * Fuzz target for the store file: a store damaged in many ways (cut short,
 * bytes overwritten in its header or its pages, someone else's database,
 * random bytes). `rnrkit service list` and `register` must answer with
 * exit 0 (the damage missed everything they read) or one line and exit 1
 * — never an internal error — each within a time bound; and a register
 * that failed must leave the file as it was. RNRKIT_FUZZ_RUNS makes it
 * longer.
 */
const RUNS = Number(process.env.RNRKIT_FUZZ_RUNS ?? 60);
const MS_PER_INPUT = 5000;

let temp: ReturnType<typeof tempDir>;
let pristine: string;
let query: string;
beforeAll(() => {
  temp = tempDir();
  pristine = temp.file('pristine.db');
  const store = openStore(pristine);
  const registry = new WinsockRegistry({ store, principal: 'alice' });
  registry.startup();
  for (let i = 0; i < 40; i++)
    registry.setService(
      querySet([tcp(1 + (i % 200), 80 + i), tcp(2, 443)], {
        lpszServiceInstanceName: `svc-${i}`,
        lpszComment: 'c'.repeat(i * 20),
      }),
      0,
      0,
    );
  store.close();
  query = temp.file('query.json');
  writeFileSync(query, JSON.stringify(querySet([tcp(9)], { lpszServiceInstanceName: 'new' })));
});
afterAll(() => temp.remove());

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

type Damage = (file: string, random: () => number) => string;
const DAMAGES: Damage[] = [
  (file, random) => {
    const size = readFileSync(file).length;
    truncateSync(file, Math.floor(random() * size));
    return 'cut short';
  },
  (file, random) => {
    const bytes = readFileSync(file);
    const at = Math.floor(random() * 100);
    for (let i = 0; i < 1 + Math.floor(random() * 8); i++) bytes[at + i] = Math.floor(random() * 256);
    writeFileSync(file, bytes);
    return `header bytes at ${at}`;
  },
  (file, random) => {
    const bytes = readFileSync(file);
    const at = 100 + Math.floor(random() * (bytes.length - 164));
    for (let i = 0; i < 64; i++) bytes[at + i] = Math.floor(random() * 256);
    writeFileSync(file, bytes);
    return `page bytes at ${at}`;
  },
  (file) => {
    rmSync(file);
    const db = new Database(file);
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, total REAL); INSERT INTO orders (total) VALUES (1.5)');
    db.pragma('application_id = 1234');
    db.close();
    return "another application's database";
  },
  (file, random) => {
    writeFileSync(
      file,
      Buffer.from(Array.from({ length: 1 + Math.floor(random() * 9000) }, () => Math.floor(random() * 256))),
    );
    return 'random bytes';
  },
  (file, random) => {
    const bytes = readFileSync(file);
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from('SQLite format 3\u0000'),
        bytes.subarray(16, 16 + Math.floor(random() * bytes.length)),
      ]),
    );
    return 'SQLite magic, then a cut copy';
  },
];

describe('fuzz: damaged store files', () => {
  it(`${RUNS} damaged stores: list and register answer exit 0 or one line and exit 1; a refused register changes nothing`, async () => {
    const random = prng(Number(process.env.RNRKIT_FUZZ_SEED ?? 9));
    const outcomes = new Map<string, number>();
    let slowest = 0;
    for (let run = 0; run < RUNS; run++) {
      const file = temp.file(`damaged-${run}.db`);
      copyFileSync(pristine, file);
      const what = DAMAGES[run % DAMAGES.length]!(file, random);
      for (const args of [
        ['service', 'list', '--store', file],
        ['service', 'register', query, '--store', file, '--as', 'bob', '--busy-timeout', '100'],
      ]) {
        const before = hash(file);
        const started = performance.now();
        const r = await runCli(args);
        const took = performance.now() - started;
        slowest = Math.max(slowest, took);
        const label = `${what} (run ${run}): ${args[1]}`;
        expect(took, label).toBeLessThan(MS_PER_INPUT);
        expect([0, 1], `${label}: ${r.stderr}`).toContain(r.code);
        expect(r.stderr, label).not.toMatch(/internal error/);
        if (r.code === 1 && args[1] === 'register' && r.stdout === '') {
          expect(r.stderr, label).toMatch(/^rnrkit: [^\n]*\n$/);
          expect(hash(file), `${label}: the file changed`).toBe(before);
        }
        const key = `${args[1]} exit ${r.code}${r.code === 1 && r.stdout !== '' ? ' (Winsock error)' : ''}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      rmSync(file, { force: true });
      rmSync(`${file}-wal`, { force: true });
      rmSync(`${file}-shm`, { force: true });
    }
    console.log(
      `store file fuzz: ${RUNS} damaged stores, slowest call ${slowest.toFixed(0)} ms; ${[...outcomes].map(([k, n]) => `${k}: ${n}`).join(', ')}`,
    );
  }, 300_000);
});
