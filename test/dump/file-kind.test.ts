import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'rnrkit-file-kind-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function file(name: string, head: string, size = 4096): string {
  const bytes = new Uint8Array(size);
  bytes.set([...head].map((c) => c.charCodeAt(0)));
  const path = join(work, name);
  writeFileSync(path, bytes);
  return path;
}

describe('files that are not minidumps', () => {
  it.each([
    ['PAGEDU64', '64-bit'],
    ['PAGEDUMP', '32-bit'],
  ])('a %s kernel dump is named as such and says what rnrkit reads instead (exit 1)', async (signature, bits) => {
    const path = file(`memory-${bits}.dmp`, signature);
    const { code, stderr } = await runCli(['regions', path]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `rnrkit: DUMP_HEADER.Signature: ${path} is a Windows kernel or complete memory dump (${signature}, ${bits}), not a process minidump: ` +
        'rnrkit reads user-mode minidumps (\'MDMP\'); write one of the process that held the query set (MiniDumpWriteDump, procdump -ma, Task Manager "Create dump file", WinDbg .dump /ma)\n',
    );
    expect(stderr).not.toMatch(/--base/);
  });

  it('a .dmp that is neither says what its first bytes are', async () => {
    const elf = file('core.dmp', '\x7fELF\x02\x01\x01');
    const { code, stderr } = await runCli(['scan', elf]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `rnrkit: MINIDUMP_HEADER.Signature: ${elf} is not a minidump: it starts with 7f 45 4c 46 02 01 01 00 (".ELF....")` +
        ": an ELF file (a Linux core dump or program?) (a minidump starts with 'MDMP'); for a raw memory image give --base ADDR\n",
    );
    const empty = file('empty.dmp', '', 0);
    expect((await runCli(['regions', empty])).stderr).toMatch(
      /empty\.dmp is not a minidump: it starts with nothing \(the file is empty\)/,
    );
  });

  it('a raw image without --base still asks for --base (exit 2), and --base still reads a PAGEDU64 file as raw memory', async () => {
    const raw = file('heap.bin', 'abcdefgh');
    expect(await runCli(['regions', raw])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/heap\.bin is a raw image: --base ADDR is required/),
    });
    const kernel = file('explicit.dmp', 'PAGEDU64');
    expect((await runCli(['regions', kernel, '--base', '0x10000'])).code).toBe(0);
  });
});
