import { MEMORY_STATE, MEMORY_TYPE, PAGE_MODIFIERS, PAGE_PROTECTION } from './format.js';
import { formatLayout } from './format-layout.js';
import { sizedList } from './sized-list.js';
import { type StreamContext, u64, viewOf } from './streams.js';

/** A MemoryInfoListStream entry: one VirtualQueryEx region as it was when the dump was written. */
export interface MemoryInfo {
  readonly base: number;
  readonly allocationBase: number;
  readonly allocationProtect: number;
  readonly regionSize: number;
  readonly state: number;
  readonly protect: number;
  readonly type: number;
}

/** Regions beyond this are not read: a large process has tens of thousands. */
export const MAX_MEMORY_INFO = 1 << 20;

export function parseMemoryInfoList(ctx: StreamContext, bytes: Uint8Array): MemoryInfo[] {
  const list = formatLayout('MINIDUMP_MEMORY_INFO_LIST');
  const entry = formatLayout('MINIDUMP_MEMORY_INFO');
  if (bytes.length < list.size) {
    ctx.warn(`MemoryInfoListStream has ${bytes.length} bytes, fewer than MINIDUMP_MEMORY_INFO_LIST's ${list.size}`);
    return [];
  }
  const view = viewOf(bytes);
  const { count, entriesAt, stride } = sizedList(
    ctx,
    'MemoryInfoListStream',
    bytes.length,
    view.getUint32(list.offset('SizeOfHeader'), true),
    view.getUint32(list.offset('SizeOfEntry'), true),
    u64(view, list.offset('NumberOfEntries')),
    list.size,
    entry.size,
    MAX_MEMORY_INFO,
  );
  const o = (path: string) => entry.offset(path);
  const out: MemoryInfo[] = [];
  for (let i = 0; i < count; i++) {
    const at = entriesAt + i * stride;
    out.push({
      base: u64(view, at + o('BaseAddress')),
      allocationBase: u64(view, at + o('AllocationBase')),
      allocationProtect: view.getUint32(at + o('AllocationProtect'), true),
      regionSize: u64(view, at + o('RegionSize')),
      state: view.getUint32(at + o('State'), true),
      protect: view.getUint32(at + o('Protect'), true),
      type: view.getUint32(at + o('Type'), true),
    });
  }
  return out;
}

/** `MEM_COMMIT`, or `0x…` for a value winnt.h does not name. */
export function stateName(state: number): string {
  return MEMORY_STATE.get(state) ?? `0x${state.toString(16)}`;
}

/** `MEM_PRIVATE`, or `0x…`; a free region has type 0, shown as null. */
export function typeName(type: number): string | null {
  if (type === 0) return null;
  return MEMORY_TYPE.get(type) ?? `0x${type.toString(16)}`;
}

/** `PAGE_READWRITE|PAGE_GUARD`; 0 (a free or reserved region has no protection) is null. */
export function protectionName(protect: number): string | null {
  if (protect === 0) return null;
  const parts: string[] = [];
  const base = PAGE_PROTECTION.get(protect & 0xff);
  parts.push(base ?? `0x${(protect & 0xff).toString(16)}`);
  let rest = protect & ~0xff;
  for (const [bit, name] of PAGE_MODIFIERS) {
    if (rest & bit) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}

/** WinDbg-style short form for a label: `RW`, `RX`, `R`, `RWX`, `WC` (copy-on-write), `NA` (no access). */
export function shortProtection(protect: number): string {
  switch (protect & 0xff) {
    case 0x01:
      return 'NA';
    case 0x02:
      return 'R';
    case 0x04:
      return 'RW';
    case 0x08:
      return 'WC';
    case 0x10:
      return 'X';
    case 0x20:
      return 'RX';
    case 0x40:
      return 'RWX';
    case 0x80:
      return 'RWC';
    default:
      return protect === 0 ? '—' : `0x${protect.toString(16)}`;
  }
}

/** `private`, `image`, `mapped`. */
export function shortType(type: number): string {
  switch (type) {
    case 0x20000:
      return 'private';
    case 0x40000:
      return 'mapped';
    case 0x1000000:
      return 'image';
    default:
      return type === 0 ? 'free' : `type 0x${type.toString(16)}`;
  }
}
