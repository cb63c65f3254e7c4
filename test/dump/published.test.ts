import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Minidump } from '../../src/dump/minidump.js';
import { AddressLocator } from '../../src/dump/where-is.js';
import { runCli } from '../helpers/cli.js';

/**
 * Minidumps other projects publish as test data (fixtures/dumps/README.md
 * names each one's source and licence), read by rnrkit and checked against
 * what those projects say about them — for minidump2, line by line against
 * the text Breakpad's own minidump_dump printed of it.
 */
const published = (name: string) =>
  Minidump.fromBytes(
    gunzipSync(readFileSync(new URL(`../../fixtures/dumps/published/${name}.dmp.gz`, import.meta.url))),
    name,
  );

/** minidump_dump's output as blocks: `MDRawModule` → [{member: value}], in order. */
function dumpOut(): Map<string, Record<string, string>[]> {
  const text = readFileSync(
    new URL('../../fixtures/dumps/published/breakpad-minidump2.dump.out', import.meta.url),
    'utf8',
  );
  const blocks = new Map<string, Record<string, string>[]>();
  let current: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (/^[A-Za-z]\w*$/.test(line)) {
      current = {};
      blocks.set(line, [...(blocks.get(line) ?? []), current]);
      continue;
    }
    const m = /^ {2}(\S.*?)\s+= (.*)$/.exec(line);
    if (m && current) current[m[1]!] = m[2]!;
  }
  return blocks;
}

const int = (text: string) => Number(BigInt(text.split(' ')[0]!));
const unquote = (text: string) => text.replace(/^"|"$/g, '');

describe("Breakpad minidump2.dmp against Breakpad's own minidump_dump output", () => {
  const md = published('breakpad-minidump2');
  const out = dumpOut();

  it('threads: id, TEB, stack', () => {
    const threads = out.get('MDRawThread')!;
    expect(
      md.threads.map((t) => [
        t.threadId,
        t.teb,
        t.stack.base,
        t.stack.length,
        t.stack.rva,
        t.context.rva,
        t.context.size,
      ]),
    ).toEqual(
      threads.map((t) => [
        int(t.thread_id!),
        int(t.teb!),
        int(t['stack.start_of_memory_range']!),
        int(t['stack.memory.data_size']!),
        int(t['stack.memory.rva']!),
        int(t['thread_context.rva']!),
        int(t['thread_context.data_size']!),
      ]),
    );
  });

  it('modules: name, base, size, checksum, timestamp, CodeView identity and version', () => {
    const modules = out.get('MDRawModule')!;
    expect(md.modules).toHaveLength(modules.length);
    md.modules.forEach((m, i) => {
      const ref = modules[i]!;
      expect([Number(m.base), m.size, m.checkSum, m.timeDateStamp, m.name]).toEqual([
        int(ref.base_of_image!),
        int(ref.size_of_image!),
        int(ref.checksum!),
        int(ref.time_date_stamp!),
        unquote(ref['(code_file)']!),
      ]);
      expect(m.codeView?.format).toBe('RSDS');
      if (m.codeView?.format !== 'RSDS') return;
      expect(m.codeView.guid.toLowerCase()).toBe(`{${ref['(cv_record).signature']}}`);
      expect(m.codeView.age).toBe(int(ref['(cv_record).age']!));
      expect(m.codeView.pdbFileName).toBe(unquote(ref['(cv_record).pdb_file_name']!));
      expect(m.codeView.debugId).toBe(unquote(ref['(debug_identifier)']!));
      expect(m.version?.fileVersion ?? '').toBe(unquote(ref['(version)']!));
    });
  });

  it('exception, system info, misc info', () => {
    const [e] = out.get('MDException')!;
    expect(md.exception).toMatchObject({
      threadId: int(e!.thread_id!),
      code: int(e!['exception_record.exception_code']!),
      codeName: 'EXCEPTION_ACCESS_VIOLATION',
      address: BigInt(e!['exception_record.exception_address']!),
      parameters: [
        BigInt(e!['exception_record.exception_information[ 0]']!),
        BigInt(e!['exception_record.exception_information[ 1]']!),
      ],
    });
    const [s] = out.get('MDRawSystemInfo')!;
    expect(md.systemInfo).toMatchObject({
      processorArchitecture: int(s!.processor_architecture!),
      platformId: int(s!.platform_id!),
      buildNumber: int(s!.build_number!),
      csdVersion: unquote(s!['(csd_version)']!),
      platform: 'Windows',
      os: 'Windows XP (5.1.2600) Service Pack 2',
    });
    const [misc] = out.get('MDRawMiscInfo')!;
    expect(md.miscInfo).toMatchObject({
      processId: int(misc!.process_id!),
      processCreateTime: { seconds: int(misc!.process_create_time!) },
    });
  });

  it("says where the crash was: the faulting instruction is in test_app.exe, the crashed thread's stack is its own", () => {
    const where = new AddressLocator(md);
    expect(where.label(Number(md.exception!.address))).toBe('test_app.exe+0x429e');
    const crashed = md.threads.find((t) => t.threadId === md.exception!.threadId)!;
    expect(where.label(crashed.stack.base + 16)).toBe(`stack of thread ${crashed.threadId}`);
    expect(where.where(crashed.teb + 0x18)).toMatchObject({
      thread: { threadId: crashed.threadId, part: 'TEB' },
      captured: false,
    });
  });
});

describe('other published dumps', () => {
  it("exec_av_on_stack: one range overlaps another, the exception address is on the crashed thread's stack", () => {
    const md = published('breakpad-exec_av_on_stack');
    expect(md.warnings).toHaveLength(1);
    expect(md.warnings[0]).toMatch(
      /^memory ranges overlap: MemoryListStream\[0\] 0x3df8c4\+256 and MemoryListStream\[3\] 0x3df288\+3448/,
    );
    expect(md.exception).toMatchObject({ threadId: 6920, code: 0xc0000005, parameters: [8n, 0x3df944n] });
    expect(new AddressLocator(md).label(Number(md.exception!.address))).toBe('stack of thread 6920');
    expect(md.systemInfo?.os).toBe('Windows 7 (6.1.7600)');
  });

  it('thread_name_list: ThreadNamesStream names the threads', () => {
    const md = published('breakpad-thread_name_list');
    expect(md.streams.map((s) => s.typeName)).toContain('ThreadNamesStream');
    expect(md.threads.find((t) => t.threadId === 6564)?.name).toBe('main thread');
    expect(md.threads.filter((t) => t.name !== undefined).length).toBeGreaterThan(1);
    expect(md.warnings).toEqual([]);
  });

  it('tiny-exe-with-cet-xsave: memory info, handles and unloaded modules from a Windows 11 x64 crash dump', () => {
    const md = published('breakpad-tiny-exe-with-cet-xsave');
    expect(md.warnings).toEqual([]);
    expect(md.systemInfo?.os).toMatch(/^Windows 11 \(10\.0\.2\d{4}\)/);
    expect(md.memoryInfo.length).toBe(557);
    // Regions are sorted, do not overlap, and (as VirtualQueryEx walks them) each starts where the previous ended.
    for (let i = 1; i < md.memoryInfo.length; i++)
      expect(md.memoryInfo[i]!.base).toBe(md.memoryInfo[i - 1]!.base + md.memoryInfo[i - 1]!.regionSize);
    expect(md.handles.length).toBe(147);
    expect(md.handles.some((h) => h.typeName === 'File')).toBe(true);
    expect(md.unloadedModules.length).toBe(1);
    const where = new AddressLocator(md);
    const thread = md.threads[0]!;
    const stack = where.where(thread.stack.base + 8);
    expect(stack.label).toBe(`stack of thread ${thread.threadId}`);
    expect(stack.region).toMatchObject({ state: 'MEM_COMMIT', protect: 'PAGE_READWRITE', type: 'MEM_PRIVATE' });
    const exe = md.modules[0]!;
    expect(where.where(Number(exe.base) + 0x1010)).toMatchObject({
      module: { name: 'tiny.exe', offset: 0x1010 },
      region: { type: 'MEM_IMAGE', protect: 'PAGE_EXECUTE_READ' },
    });
  });

  it('Linux and macOS dumps name their platform and the Breakpad / Crashpad streams', () => {
    const linux = published('breakpad-linux_null_read_av');
    expect(linux.systemInfo?.platform).toBe('Linux');
    expect(linux.systemInfo?.os).toMatch(/^Linux 3\.3\.8/);
    expect(linux.streams.map((s) => s.typeName)).toEqual(
      expect.arrayContaining(['LinuxCpuInfo', 'LinuxProcStatus', 'LinuxMaps', 'LinuxDsoDebug']),
    );
    expect(linux.modules[0]!.codeView).toMatchObject({ format: 'RSDS', pdbFileName: 'null_read_av' });
    // Breakpad records a Linux crash as its signal: 11 is SIGSEGV, not a Windows status.
    expect(linux.exception).toMatchObject({ code: 11, codeName: 'SIGSEGV', address: 0n });
    const mac = published('rust-minidump-simple-crashpad');
    expect(mac.systemInfo?.platform).toBe('macOS');
    expect(mac.streams.map((s) => s.typeName)).toContain('CrashpadInfoStream');
    expect(mac.warnings).toEqual([]);
  });
});

describe('rnrkit regions on a published dump', () => {
  it('has threads, exception, platform, module identities and memory info in the documented shape', async () => {
    const file = fileURLToPath(
      new URL('../../fixtures/dumps/published/breakpad-tiny-exe-with-cet-xsave.dmp.gz', import.meta.url),
    );
    const { code, stdout } = await runCli(['regions', file]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown> & {
      threads: { threadId: number; teb: string; stack: { base: string; length: number } }[];
      modules: { name: string; codeView: { format: string; guid: string } | null; version: unknown }[];
      memoryInfo: { base: string; state: string; protect: string | null; type: string | null }[];
    };
    expect(report.platform).toBe('Windows');
    expect(report.threads[0]).toMatchObject({
      threadId: expect.any(Number),
      teb: expect.stringMatching(/^0x[0-9a-f]+$/),
      stack: { base: expect.stringMatching(/^0x/), length: expect.any(Number) },
    });
    expect(report.modules[0]).toMatchObject({
      name: expect.stringMatching(/tiny\.exe$/),
      codeView: { format: 'RSDS', guid: expect.stringMatching(/^\{[0-9A-F-]{36}\}$/) },
    });
    expect(report.memoryInfo).toHaveLength(557);
    expect(report.memoryInfo[0]).toEqual({
      base: '0x0',
      size: expect.any(Number),
      allocationBase: '0x0',
      state: 'MEM_FREE',
      protect: 'PAGE_NOACCESS',
      type: null,
      allocationProtect: null,
    });
    expect(report).not.toHaveProperty('exception');
  });

  it('has the exception with its code, address and where it is', async () => {
    const file = fileURLToPath(new URL('../../fixtures/dumps/published/breakpad-minidump2.dmp.gz', import.meta.url));
    const report = JSON.parse((await runCli(['regions', file])).stdout) as { exception: unknown; platform: string };
    expect(report.platform).toBe('Windows');
    expect(report.exception).toEqual({
      threadId: 3060,
      code: '0xc0000005',
      codeName: 'EXCEPTION_ACCESS_VIOLATION',
      address: '0x40429e',
      flags: 0,
      parameters: ['0x1', '0x45'],
      where: 'test_app.exe+0x429e',
    });
  });
});
