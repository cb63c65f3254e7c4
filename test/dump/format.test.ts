import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FORMAT_STRUCTS,
  MEMORY_STATE,
  MEMORY_TYPE,
  MINIDUMP_MISC1_PROCESS_ID,
  MINIDUMP_MISC1_PROCESS_TIMES,
  MINIDUMP_SIGNATURE,
  MINIDUMP_VERSION,
  PAGE_MODIFIERS,
  PAGE_PROTECTION,
  PLATFORM_NAMES,
  PROCESSOR_ARCHITECTURE,
  STREAM_TYPE,
} from '../../src/dump/format.js';
import { formatLayout } from '../../src/dump/format-layout.js';

/** What x86_64-w64-mingw32-gcc says about dbghelp.h (scripts/fixtures-dumps.ts from fixtures/dumps/format-probe.c). */
const probe = JSON.parse(readFileSync(new URL('../../fixtures/dumps/format.json', import.meta.url), 'utf8')) as {
  structs: Record<string, { size: number; members: Record<string, { offset: number; size: number }> }>;
  constants: Record<string, number>;
};

describe('minidump format tables agree with the compiler', () => {
  for (const name of Object.keys(FORMAT_STRUCTS)) {
    it(name, () => {
      const truth = probe.structs[name];
      expect(truth, `${name} is not probed`).toBeDefined();
      const layout = formatLayout(name);
      expect(layout.size).toBe(truth!.size);
      for (const [path, member] of Object.entries(truth!.members)) {
        const field = layout.fields.get(path);
        if (!field) {
          // Only the flexible array members (Modules[0], MemoryRanges[0]) are not in the tables: entries start at the header's size.
          expect(member.size, `${name}.${path}`).toBe(0);
          expect(member.offset, `${name}.${path} starts the entries`).toBe(layout.size);
          continue;
        }
        expect([field.offset, field.size], `${name}.${path}`).toEqual([member.offset, member.size]);
      }
      for (const path of layout.fields.keys()) {
        if (!path.includes('.') || truth!.members[path]) continue;
        // Nested members not probed individually must sit inside a probed parent.
        expect(truth!.members[path.split('.')[0]!], `${name}.${path}`).toBeDefined();
      }
    });
  }

  it('constants', () => {
    expect(MINIDUMP_SIGNATURE).toBe(probe.constants.MINIDUMP_SIGNATURE);
    expect(MINIDUMP_VERSION).toBe(probe.constants.MINIDUMP_VERSION);
    for (const key of [
      'ThreadListStream',
      'ModuleListStream',
      'MemoryListStream',
      'SystemInfoStream',
      'Memory64ListStream',
      'MiscInfoStream',
      'MemoryInfoListStream',
      'LastReservedStream',
      'ThreadExListStream',
      'ExceptionStream',
      'HandleDataStream',
      'UnloadedModuleListStream',
      'ThreadNamesStream',
    ] as const) {
      expect(STREAM_TYPE[key], key).toBe(probe.constants[key]);
    }
    for (const key of [
      'PROCESSOR_ARCHITECTURE_INTEL',
      'PROCESSOR_ARCHITECTURE_ARM',
      'PROCESSOR_ARCHITECTURE_IA64',
      'PROCESSOR_ARCHITECTURE_AMD64',
      'PROCESSOR_ARCHITECTURE_ARM64',
      'PROCESSOR_ARCHITECTURE_UNKNOWN',
    ] as const) {
      expect(PROCESSOR_ARCHITECTURE[key], key).toBe(probe.constants[key]);
    }
    expect(MINIDUMP_MISC1_PROCESS_ID).toBe(probe.constants.MINIDUMP_MISC1_PROCESS_ID);
    expect(MINIDUMP_MISC1_PROCESS_TIMES).toBe(probe.constants.MINIDUMP_MISC1_PROCESS_TIMES);
    expect(PLATFORM_NAMES.get(probe.constants.VER_PLATFORM_WIN32_NT!)).toBe('Windows');
    // Every named MEM_* / PAGE_* value is the header's, and every one the probe asks about is named.
    const named = new Map(
      [...MEMORY_STATE, ...MEMORY_TYPE, ...PAGE_PROTECTION, ...PAGE_MODIFIERS].map(([v, k]) => [k, v]),
    );
    const probed = Object.keys(probe.constants).filter((k) => /^(MEM|PAGE)_/.test(k));
    expect([...named.keys()].sort()).toEqual(probed.sort());
    for (const k of probed) expect(named.get(k), k).toBe(probe.constants[k]);
  });
});
