import { isDeepStrictEqual, parseArgs } from 'node:util';
import { SOCK } from '../../abi/constants.js';
import type { CsAddrInfoJson, SocketAddressJson } from '../../codec/canonical.js';
import { decodeQuerySet } from '../../codec/decode.js';
import { hexToBytes } from '../../codec/hex.js';
import { describeSockaddr } from '../../codec/sockaddr.js';
import { annotateQuerySet } from '../../dump/annotate.js';
import { BUNDLED_DUMP, bundledSets, openBundledDump } from '../../dump/fixtures.js';
import { scanQuerySets } from '../../dump/scan.js';
import { AddressLocator } from '../../dump/where-is.js';
import { formatAddress } from '../../errors.js';
import { RegionList } from '../../memory/region-list.js';
import { runRegistryDemo } from '../../service/demo.js';
import { wsaErrorName } from '../../service/errors.js';
import { lookupFlagNames } from '../../service/lookup/flags.js';
import type { LookupDemo } from '../../service/lookup-demo.js';
import { json } from '../options.js';
import type { Command } from '../run.js';

/**
 * `npm start`: the main job end to end on bundled real data. A minidump
 * that dbghelp wrote under Wine of a process holding query sets on its
 * heap is scanned; the best candidate is decoded through its real pointers
 * and compared with what the process itself printed of the set; then the
 * set goes through the WSASetService table in a fresh embedded store.
 * `--json` prints the same as one JSON object.
 */
export const demo: Command = ({ args, stdout }) => {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } });
  const dump = openBundledDump();
  try {
    const candidates = scanQuerySets(dump);
    const best = candidates[0];
    if (!best) throw new Error('the bundled dump holds no query set: the fixture is damaged');
    const querySet = decodeQuerySet(dump, best.at, { arch: best.arch, charset: best.charset });
    const printed = bundledSets().find((s) => s.at === best.at);
    const where = new AddressLocator(dump).where(best.at);
    const agrees = printed !== undefined && isDeepStrictEqual(querySet, printed.expected);
    const registry = runRegistryDemo(querySet, { arch: best.arch, charset: best.charset });
    try {
      if (values.json) {
        stdout(
          json({
            dump: {
              file: 'fixtures/dumps/wine-x64-sets.dmp.gz',
              arch: dump.arch ?? null,
              ranges: dump.ranges().length,
              modules: dump.modules.length,
            },
            candidates: candidates.map((c) => ({
              at: formatAddress(c.at),
              arch: c.arch,
              charset: c.charset,
              score: c.score,
            })),
            decoded: { at: formatAddress(best.at), where: where.label, querySet, agreesWithCapturingProcess: agrees },
            registry: registry.steps,
            lookup: {
              restrictions: registry.lookup.restrictions,
              flags: registry.lookup.flags,
              lpdwBufferLength: registry.lookup.required,
              at: formatAddress(registry.lookup.at),
              result: registry.lookup.result,
              end: registry.lookup.end,
            },
          }),
        );
        return agrees ? 0 : 1;
      }
      const out: string[] = [];
      const mib = (dump.fileSize / 2 ** 20).toFixed(1);
      out.push(`rnrkit demo: ${BUNDLED_DUMP.path.replace(/^.*fixtures/, 'fixtures')}`);
      out.push(`  a real minidump: dbghelp MiniDumpWriteDump(MiniDumpWithFullMemory) under Wine, ${mib} MiB`);
      out.push(
        `  arch ${dump.arch ?? 'unknown'}, ${dump.ranges().length} memory ranges, ${dump.modules.length} modules`,
      );
      out.push('', `1. rnrkit scan: ${candidates.length} candidate query sets, best first`);
      for (const c of candidates)
        out.push(`   ${formatAddress(c.at).padEnd(12)} WSAQUERYSET${c.charset} ${c.arch}  score ${c.score}`);
      out.push(
        '',
        `2. rnrkit decode --at ${formatAddress(best.at)}: WSAQUERYSET${best.charset} on ${best.arch}, through its real pointers`,
      );
      out.push(`   where it lives: ${where.label}`);
      out.push(indent(JSON.stringify(querySet, null, 2), '   '));
      out.push(`   the same as the capturing process printed of its own structures: ${agrees ? 'yes' : 'NO'}`);
      out.push('', '3. WSASetService on it, in a fresh embedded store (Directory provider, NS_NTDS)');
      registry.steps.forEach((step, i) => {
        out.push(`   ${String.fromCharCode(97 + i)}) ${step.call}: ${step.title}`);
        out.push(`      request:  ${addresses(step.lpcsaBuffer)}`);
        if (step.result.result === 0) {
          const o = step.result.providers.find((p) => p.result === 0)?.outcome;
          const removed = o?.removed?.length ?? 0;
          const added = o?.added?.length ?? 0;
          const unmatched = o?.unmatched?.length ?? 0;
          out.push(
            `      result:   0 (object ${o?.object ?? '?'}; ${added} added, ${removed} removed${unmatched ? `, ${unmatched} matched nothing` : ''})`,
          );
        } else {
          out.push(`      result:   SOCKET_ERROR, ${step.result.error} (${step.result.code})`);
        }
        if (step.state.length === 0) out.push('      store:    empty (the object is gone)');
        for (const s of step.state)
          out.push(`      store:    "${s.lpszServiceInstanceName ?? ''}" ${s.state}, ${addresses(s.lpcsaBuffer)}`);
      });
      out.push(...lookupSection(registry.lookup));
      stdout(`${out.join('\n')}\n`);
      return agrees ? 0 : 1;
    } finally {
      registry.dispose();
    }
  } finally {
    dump.close();
  }
};

function indent(text: string, prefix: string): string {
  return text.replace(/^/gm, prefix);
}

const SOCK_NAMES = new Map<number, string>(Object.entries(SOCK).map(([k, v]) => [v, k]));

/** `[tcp 192.0.2.10:80, …]` for a list of CSADDR_INFO entries. */
function addresses(entries: readonly CsAddrInfoJson[]): string {
  if (entries.length === 0) return 'no addresses';
  return `${entries.length} address${entries.length === 1 ? '' : 'es'}: ${entries.map(entryText).join(', ')}`;
}

function entryText(entry: CsAddrInfoJson): string {
  const type = SOCK_NAMES.get(entry.iSocketType) ?? `type ${entry.iSocketType}`;
  const remote = sockaddrText(entry.RemoteAddr);
  return `${type} ${sockaddrText(entry.LocalAddr) ?? '-'}${remote ? ` → ${remote}` : ''}`;
}

function sockaddrText(address: SocketAddressJson): string | undefined {
  if (!address.lpSockaddr) return undefined;
  const bytes = hexToBytes(address.lpSockaddr);
  const note = describeSockaddr(bytes, 0, bytes.length);
  return note && 'text' in note && typeof note.text === 'string' ? note.text : address.lpSockaddr;
}

/** Section 4: the set found again with WSALookupServiceBegin/Next/End, and the caller's buffer it was written into, member by member. */
function lookupSection(l: LookupDemo): string[] {
  const struct = `WSAQUERYSET${l.charset}`;
  const out = [
    '',
    `4. WSALookupServiceBegin/Next/End: registered again, then found by class and name (${lookupFlagNames(l.flags)})`,
  ];
  out.push(`   Next with no buffer:            SOCKET_ERROR, WSAEFAULT; *lpdwBufferLength = ${l.required}`);
  out.push(
    `   Next with ${l.required} bytes at ${formatAddress(l.at)}: 0 — one ${struct} on ${l.arch}, every pointer inside the buffer`,
  );
  out.push(`   Next again:                     SOCKET_ERROR, ${wsaErrorName(l.end) ?? l.end} (${l.end})`);
  out.push('', `   the caller's ${l.required}-byte buffer (rnrkit annotate):`);
  const space = new RegionList(
    [{ base: l.at, bytes: l.bytes }],
    `the lookup's result buffer at ${formatAddress(l.at)}`,
  );
  out.push(
    annotateQuerySet(space, l.at, { arch: l.arch, charset: l.charset })
      .trimEnd()
      .replace(/^(?=.)/gm, '   '),
  );
  return out;
}
