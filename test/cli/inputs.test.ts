import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonInput } from '../../src/cli/json-input.js';
import { escapeForTerminal } from '../../src/cli/terminal-text.js';
import { bundledSets } from '../../src/dump/fixtures.js';
import { InvalidDataError } from '../../src/errors.js';
import { parseAddress } from '../../src/memory/address-space.js';
import { runCli } from '../helpers/cli.js';
import { encodeAt } from '../helpers/planted.js';

/**
 * The command line as a careless or hostile user meets it: address options
 * that are empty, in unusual bases or out of range; JSON with a byte order
 * mark, broken UTF-8 or no end; error lines that would carry terminal
 * escape sequences from an input file. Each ends with one line and the
 * documented exit code (docs/limits/captures.md).
 */
const work = mkdtempSync(join(tmpdir(), 'rnrkit-cli-inputs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const set = bundledSets().find((s) => s.name === 'w-full')!;
const BASE = 0x7ff6_0001_0000;
const image = join(work, 'set.bin');
writeFileSync(image, encodeAt(set.expected, 'x64', 'W', BASE));
const hex = (n: number) => `0x${n.toString(16)}`;

/** The CLI in a real process (stdin, exit codes, nothing else): through tsx, like test/codec/cli.test.ts. */
function cliProcess(args: string[], stdin: number | 'ignore' = 'ignore') {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    stdio: [stdin, 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('address options', () => {
  it('refuse an empty --base or --at as a usage error (exit 2), never reading it as 0', async () => {
    for (const args of [
      ['decode', image, '--arch', 'x64', '--base', ''],
      ['decode', image, '--arch', 'x64', '--base', hex(BASE), '--at', ''],
      ['decode', image, '--arch', 'x64', '--base', '  '],
    ]) {
      const r = await runCli(args);
      expect([r.code, r.stdout], args.join(' ')).toEqual([2, '']);
      expect(r.stderr).toMatch(/^rnrkit: --(base|at) "\s*": an empty string is not an address/);
    }
    expect((await runCli(['annotate', image, '--arch', 'x64', '--base', hex(BASE), '--at', ''])).code).toBe(2);
    expect((await runCli(['encode', '-', '--arch', 'x64', '--base', '', '-o', join(work, 'x')])).code).toBe(2);
  });

  it('refuse 0b and 0o prefixes and other spellings BigInt would take', async () => {
    for (const text of ['0b1010', '0o777', '0B1', ' 0x', '1e6', '-0x10', '0x10n']) {
      expect(() => parseAddress(text), text).toThrow(/is not an address/);
      const r = await runCli(['decode', image, '--arch', 'x64', `--base=${text}`]);
      expect(r.code, text).toBe(2);
      expect(r.stderr).toMatch(/^rnrkit: --base /);
    }
    expect(parseAddress(' 0X7FF600010000 ')).toBe(BASE);
    expect(parseAddress('65536')).toBe(0x10000);
  });

  it('name the option when an address is out of range: --base, --at, --region', async () => {
    const r = await runCli(['decode', image, '--arch', 'x64', '--base', '0x1fffffffffffff']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^rnrkit: --base 0x1fffffffffffff: \d+ bytes from there would end at 0x[0-9a-f]+, beyond 2\^53/,
    );
    const at = await runCli(['decode', image, '--arch', 'x64', '--base', hex(BASE), '--at', '0x1fffffffffffff']);
    expect([at.code, at.stderr]).toEqual([2, expect.stringMatching(/^rnrkit: --at 0x1fffffffffffff: /)]);
    const region = await runCli(['scan', '--region', `0x1ffffffffffff0=${image}`]);
    expect([region.code, region.stderr]).toEqual([2, expect.stringMatching(/^rnrkit: --region 0x1ffffffffffff0: /)]);
    const tooBig = await runCli(['match', image, image, '--base', hex(BASE), '--at', '0x20000000000000']);
    expect([tooBig.code, tooBig.stderr]).toEqual([
      2,
      expect.stringMatching(/^rnrkit: --at "0x20000000000000": .*beyond 2\^53/),
    ]);
  });
});

describe('error lines', () => {
  it('escape control characters, DEL, C1 controls, bidi overrides and lone surrogates', () => {
    expect(escapeForTerminal('a\x1b[31mred\x07\r\n\t\x7f\x9b\u202eevil\ud800 é 名')).toBe(
      'a\\x1b[31mred\\x07\\r\\n\\t\\x7f\\x9b\\u202eevil\\ud800 é 名',
    );
    expect(escapeForTerminal('\ud83d\ude00')).toBe('\ud83d\ude00');
  });

  it('never carry raw terminal escapes from an input file to stderr', async () => {
    const hostile = join(work, 'hostile.json');
    writeFileSync(hostile, '{"dwSize": \x1b]0;pwned\x07\x1b[2J\x9b31m}');
    const r = await runCli(['encode', hostile, '--arch', 'x64', '--base', '0x10000', '-o', join(work, 'out.bin')]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toHaveLength(2);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for them is the point
    expect(r.stderr.slice(0, -1)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(r.stderr).toContain('\\x1b');
    // A file name is input too.
    const named = join(work, 'evil\x1b[31m.bin');
    writeFileSync(named, new Uint8Array(16));
    const n = await runCli(['decode', named, '--arch', 'x64']);
    expect(n.code).toBe(2);
    expect(n.stderr).toContain('evil\\x1b[31m.bin');
    const unknown = await runCli(['\x1b[31mdecode']);
    expect(unknown.stderr).not.toContain('\x1b');
  });

  it('every line the CLI writes to stderr with text it did not write itself goes through errorLine', () => {
    const cli = fileURLToPath(new URL('../../src/cli/', import.meta.url));
    const files = readdirSync(cli, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    // A template that interpolates into `rnrkit: …` by hand would skip the escaping.
    const unescaped = files.flatMap((f) =>
      [...readFileSync(join(cli, f), 'utf8').matchAll(/stderr\)?\(`rnrkit: \$\{(?!report\.)[^`]*`\)/g)].map(
        (m) => `${f}: ${m[0]}`,
      ),
    );
    expect(unescaped).toEqual([]);
  });
});

describe('JSON input', () => {
  const json = JSON.stringify(set.expected);

  it('accepts a UTF-8 byte order mark (stripped, as RFC 8259 allows) in encode, match and service input', async () => {
    const bom = join(work, 'bom.json');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]));
    const r = await runCli(['encode', bom, '--arch', 'x64', '--base', hex(BASE), '-o', join(work, 'bom.bin')]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(readFileSync(join(work, 'bom.bin'))).toEqual(readFileSync(image));
    const m = await runCli(['match', bom, bom]);
    expect([m.code, m.stderr]).toEqual([0, '']);
    expect(JSON.parse(m.stdout).matched.length).toBeGreaterThan(0);
  });

  it('refuses UTF-16 with what to do about it', async () => {
    const utf16 = join(work, 'utf16.json');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]));
    const r = await runCli(['encode', utf16, '--arch', 'x64', '--base', hex(BASE), '-o', join(work, 'u.bin')]);
    expect([r.code, r.stderr]).toEqual([
      1,
      `rnrkit: ${utf16} is UTF-16 (byte order mark FF FE at byte 0): JSON input must be UTF-8\n`,
    ]);
  });

  it('refuses invalid UTF-8 naming the byte offset instead of reading U+FFFD', async () => {
    const at = json.indexOf('"lpszServiceInstanceName"') + '"lpszServiceInstanceName":"'.length + 2;
    const cases: [string, Uint8Array, number][] = [
      ['a lone continuation byte', Uint8Array.of(0x80), at],
      ['a cut sequence', Uint8Array.of(0xe2, 0x82), at],
      ['an overlong encoding', Uint8Array.of(0xc0, 0xaf), at],
      ['a UTF-16 surrogate', Uint8Array.of(0xed, 0xa0, 0x80), at],
      ['a value past U+10FFFF', Uint8Array.of(0xf4, 0x90, 0x80, 0x80), at],
    ];
    for (const [what, bad, offset] of cases) {
      const bytes = Buffer.concat([Buffer.from(json.slice(0, at)), bad, Buffer.from(json.slice(at))]);
      const file = join(work, 'bad-utf8.json');
      writeFileSync(file, bytes);
      const r = await runCli(['encode', file, '--arch', 'x64', '--base', hex(BASE), '-o', join(work, 'b.bin')]);
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toBe(
        `rnrkit: ${file} is not UTF-8: an invalid sequence starts with byte 0x${bytes[offset]!.toString(16)} at byte offset ${offset}\n`,
      );
    }
  });

  it('caps what it reads: a file over the limit is refused before reading, a device or pipe after the limit', () => {
    const big = join(work, 'big.json');
    writeFileSync(big, `${json}${' '.repeat(4096)}`);
    expect(() => readJsonInput(big, { maxBytes: 4096 })).toThrow(
      new InvalidDataError(
        `${big}: ${Buffer.byteLength(json) + 4096} bytes of JSON input, over the limit of 4096 bytes`,
      ),
    );
    expect(readJsonInput(big, { maxBytes: Buffer.byteLength(json) + 4096 })).toEqual(set.expected);
    const started = performance.now();
    expect(() => readJsonInput('/dev/zero', { maxBytes: 1 << 20 })).toThrow(
      /^\/dev\/zero: more than 1048576 bytes of JSON input, over the limit/,
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('encode - and service register - fed from /dev/zero end with one line and exit 1 (real processes)', () => {
    const zero = openSync('/dev/zero', 'r');
    try {
      const started = performance.now();
      const e = cliProcess(
        ['encode', '-', '--arch', 'x64', '--base', '0x10000', '-o', join(work, 'z.bin'), '--max-input', '4M'],
        zero,
      );
      expect([e.status, e.stdout, e.stderr]).toEqual([
        1,
        '',
        'rnrkit: stdin: more than 4194304 bytes of JSON input, over the limit of 4194304 bytes\n',
      ]);
      const s = cliProcess(['service', 'register', '-', '--store', join(work, 'store.db')], zero);
      expect([s.status, s.stderr]).toEqual([
        1,
        `rnrkit: stdin: more than ${64 << 20} bytes of JSON input, over the limit of ${64 << 20} bytes\n`,
      ]);
      expect(performance.now() - started).toBeLessThan(60_000);
    } finally {
      closeSync(zero);
    }
  });

  it('--max-input takes binary suffixes and refuses nonsense as a usage error', async () => {
    const r = await runCli([
      'encode',
      image,
      '--arch',
      'x64',
      '--base',
      '0x10000',
      '-o',
      join(work, 'm.bin'),
      '--max-input',
      'lots',
    ]);
    expect([r.code, r.stderr]).toEqual([
      2,
      'rnrkit: --max-input "lots": expected a positive byte count, e.g. 1048576, 64M or 8G\n',
    ]);
    const piped = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'encode',
        '-',
        '--arch',
        'x64',
        '--base',
        hex(BASE),
        '-o',
        join(work, 'p.bin'),
        '--max-input',
        '1M',
      ],
      { input: json, encoding: 'utf8' },
    );
    expect(JSON.parse(piped)).toEqual({ at: hex(BASE), size: readFileSync(image).length });
  });

  it('--max-input is the same option on every command that reads JSON: encode, match, service register|deregister|delete', async () => {
    const input = join(work, 'capped.json');
    writeFileSync(input, json);
    const size = Buffer.byteLength(json);
    const over = `rnrkit: ${input}: ${size} bytes of JSON input, over the limit of 1024 bytes\n`;
    const store = join(work, 'capped.db');
    const commands: string[][] = [
      ['encode', input, '--arch', 'x64', '--base', hex(BASE), '-o', join(work, 'capped.bin')],
      ['match', input, input],
      ...['register', 'deregister', 'delete'].map((op) => ['service', op, input, '--store', store]),
    ];
    for (const args of commands) {
      const name = args.slice(0, 2).join(' ');
      const capped = await runCli([...args, '--max-input', '1K']);
      expect([capped.code, capped.stdout, capped.stderr], name).toEqual([1, '', over]);
      const nonsense = await runCli([...args, '--max-input', '0']);
      expect([nonsense.code, nonsense.stderr], name).toEqual([
        2,
        'rnrkit: --max-input "0": expected a positive byte count, e.g. 1048576, 64M or 8G\n',
      ]);
    }
    // Refused before the store is opened: nothing was created.
    expect(existsSync(store)).toBe(false);
    const matched = await runCli(['match', input, input, '--max-input', String(size)]);
    expect([matched.code, matched.stderr]).toEqual([0, '']);
    expect(JSON.parse(matched.stdout).matched.length).toBe(set.expected.dwNumberOfCsAddrs);
    const registered = await runCli(['service', 'register', input, '--store', store, '--max-input', String(size)]);
    expect(registered.code, registered.stdout + registered.stderr).toBe(0);
    expect(JSON.parse(registered.stdout).result).toBe(0);
  });
});
