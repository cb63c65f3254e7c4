import { MINIDUMP_MISC1_PROCESS_ID, MINIDUMP_MISC1_PROCESS_TIMES } from './format.js';
import { formatLayout } from './format-layout.js';
import { sizedList } from './sized-list.js';
import { readMinidumpString, type StreamContext, u64, viewOf } from './streams.js';

/** MiscInfoStream's first-version members, each only when Flags1 says it is valid. */
export interface MiscInfo {
  readonly sizeOfInfo: number;
  readonly flags1: number;
  readonly processId?: number;
  /** ProcessCreateTime: seconds since 1970 (a time_t), with its ISO form. */
  readonly processCreateTime?: { readonly seconds: number; readonly iso: string };
  readonly processUserTime?: number;
  readonly processKernelTime?: number;
}

/** A HandleDataStream entry. Sockets appear with type `File` and an object name like `\Device\Afd`. */
export interface HandleInfo {
  readonly handle: number;
  readonly typeName: string | null;
  readonly objectName: string | null;
  readonly attributes: number;
  readonly grantedAccess: number;
  readonly handleCount: number;
  readonly pointerCount: number;
}

export const MAX_HANDLES = 1 << 18;

export function parseMiscInfo(ctx: StreamContext, bytes: Uint8Array): MiscInfo | undefined {
  const layout = formatLayout('MINIDUMP_MISC_INFO');
  if (bytes.length < layout.size) {
    ctx.warn(`MiscInfoStream has ${bytes.length} bytes, fewer than MINIDUMP_MISC_INFO's ${layout.size}: ignored`);
    return undefined;
  }
  const view = viewOf(bytes);
  const u32 = (name: string) => view.getUint32(layout.offset(name), true);
  const flags1 = u32('Flags1');
  const created = u32('ProcessCreateTime');
  return {
    sizeOfInfo: u32('SizeOfInfo'),
    flags1,
    ...(flags1 & MINIDUMP_MISC1_PROCESS_ID ? { processId: u32('ProcessId') } : {}),
    ...(flags1 & MINIDUMP_MISC1_PROCESS_TIMES
      ? {
          processCreateTime: { seconds: created, iso: new Date(created * 1000).toISOString() },
          processUserTime: u32('ProcessUserTime'),
          processKernelTime: u32('ProcessKernelTime'),
        }
      : {}),
  };
}

export function parseHandleData(ctx: StreamContext, bytes: Uint8Array, budget: { bytes: number }): HandleInfo[] {
  const header = formatLayout('MINIDUMP_HANDLE_DATA_STREAM');
  const entry = formatLayout('MINIDUMP_HANDLE_DESCRIPTOR');
  if (bytes.length < header.size) {
    ctx.warn(`HandleDataStream has ${bytes.length} bytes, fewer than MINIDUMP_HANDLE_DATA_STREAM's ${header.size}`);
    return [];
  }
  const view = viewOf(bytes);
  const { count, entriesAt, stride } = sizedList(
    ctx,
    'HandleDataStream',
    bytes.length,
    view.getUint32(header.offset('SizeOfHeader'), true),
    view.getUint32(header.offset('SizeOfDescriptor'), true),
    view.getUint32(header.offset('NumberOfDescriptors'), true),
    header.size,
    entry.size,
    MAX_HANDLES,
  );
  const out: HandleInfo[] = [];
  const name = (rva: number, what: string) => (rva === 0 ? null : readMinidumpString(ctx, rva, what, budget));
  for (let i = 0; i < count; i++) {
    const at = entriesAt + i * stride;
    const u32 = (member: string) => view.getUint32(at + entry.offset(member), true);
    out.push({
      handle: u64(view, at + entry.offset('Handle')),
      typeName: name(u32('TypeNameRva'), `MINIDUMP_HANDLE_DESCRIPTOR[${i}].TypeNameRva`),
      objectName: name(u32('ObjectNameRva'), `MINIDUMP_HANDLE_DESCRIPTOR[${i}].ObjectNameRva`),
      attributes: u32('Attributes'),
      grantedAccess: u32('GrantedAccess'),
      handleCount: u32('HandleCount'),
      pointerCount: u32('PointerCount'),
    });
  }
  return out;
}
