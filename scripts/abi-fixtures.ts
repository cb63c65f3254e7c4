/**
 * npm run fixtures:abi — compile fixtures/abi/probe.c with both mingw-w64
 * compilers (-S: nothing runs) and write fixtures/abi/x86.json and x64.json.
 * `--check` writes nothing and exits 1 when the committed files differ.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { guidFromBytes } from '../src/abi/guid.js';
import { labelBytes, probeLines } from './lib/gas.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = join(here, '..', 'fixtures', 'abi');
const COMPILERS = { x86: 'i686-w64-mingw32-gcc', x64: 'x86_64-w64-mingw32-gcc' } as const;
const GUID_LABELS = [
  'NLA_NAMESPACE_GUID',
  'NLA_SERVICE_CLASS_GUID',
  'SVCID_HOSTNAME',
  'SVCID_INET_HOSTADDRBYINETSTRING',
  'SVCID_INET_SERVICEBYNAME',
  'SVCID_INET_HOSTADDRBYNAME',
  'SVCID_TCP_80',
  'SVCID_UDP_53',
  'SVCID_NETWARE_4',
];

export function generate(arch: keyof typeof COMPILERS): string {
  const work = mkdtempSync(join(tmpdir(), 'rnrkit-abi-'));
  try {
    const out = join(work, 'probe.s');
    execFileSync(COMPILERS[arch], ['-S', '-O0', '-o', out, join(dir, 'probe.c')], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const asm = readFileSync(out, 'utf8');
    const structs: Record<string, { size: number; align: number; members: Record<string, Record<string, number>> }> =
      {};
    const constants: Record<string, number> = {};
    for (const [name, value] of probeLines(asm)) {
      const parts = name.split('.');
      if (parts[0] === 'const') {
        constants[parts[1]!] = value;
        continue;
      }
      structs[parts[0]!] ??= { size: 0, align: 0, members: {} };
      const struct = structs[parts[0]!]!;
      if (parts.length === 2) {
        struct[parts[1] as 'size' | 'align'] = value;
        continue;
      }
      const member = parts.slice(1, -1).join('.');
      struct.members[member] ??= {};
      struct.members[member]![parts.at(-1)!] = value;
    }
    const guids: Record<string, string> = {};
    for (const label of GUID_LABELS) guids[label] = guidFromBytes(labelBytes(asm, `probe_guid_${label}`));
    guids.SVCID_BTH_PROVIDER = guidFromBytes(labelBytes(asm, 'SVCID_BTH_PROVIDER'));
    return `${JSON.stringify({ arch, compiler: COMPILERS[arch], structs, constants, guids }, null, 2)}\n`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const check = process.argv.includes('--check');
let drift = false;
for (const arch of ['x86', 'x64'] as const) {
  const file = join(dir, `${arch}.json`);
  const text = generate(arch);
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      /* missing counts as drift */
    }
    if (committed !== text) {
      drift = true;
      console.error(`fixtures/abi/${arch}.json differs from what ${COMPILERS[arch]} gives`);
    } else console.log(`fixtures/abi/${arch}.json matches ${COMPILERS[arch]}`);
  } else {
    writeFileSync(file, text);
    console.log(`wrote fixtures/abi/${arch}.json`);
  }
}
if (drift) process.exit(1);
