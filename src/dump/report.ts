import { formatAddress } from '../errors.js';
import { protectionName, stateName, typeName } from './memory-info.js';
import type { Minidump } from './minidump.js';
import type { AddressLocator } from './where-is.js';

/**
 * The forensic members of `rnrkit regions`' JSON for a minidump (the shape
 * docs/forensics.md documents): platform and OS, threads, the exception,
 * modules with their identities, unloaded modules, process information,
 * handles and memory info. Addresses are `0x…` strings, sizes numbers.
 */
export function forensicReport(md: Minidump, locator: AddressLocator): Record<string, unknown> {
  const hex = (n: number | bigint) => formatAddress(n);
  const si = md.systemInfo;
  const e = md.exception;
  return {
    platform: si ? si.platform : null,
    os: si ? si.os : null,
    threads: md.threads.map((t) => ({
      threadId: t.threadId,
      ...(t.name !== undefined ? { name: t.name } : {}),
      teb: hex(t.teb),
      stack: { base: hex(t.stack.base), length: t.stack.length },
      suspendCount: t.suspendCount,
      priorityClass: t.priorityClass,
      priority: t.priority,
      ...(e && e.threadId === t.threadId ? { crashed: true } : {}),
    })),
    ...(e
      ? {
          exception: {
            threadId: e.threadId,
            code: `0x${e.code.toString(16).padStart(8, '0')}`,
            ...(e.codeName ? { codeName: e.codeName } : {}),
            address: hex(e.address),
            flags: e.flags,
            parameters: e.parameters.map(hex),
            ...(e.address < 2n ** 53n ? { where: locator.label(Number(e.address)) } : {}),
          },
        }
      : {}),
    modules: md.modules.map((m) => ({
      base: hex(m.base),
      size: m.size,
      name: m.name,
      checkSum: `0x${m.checkSum.toString(16).padStart(8, '0')}`,
      timeDateStamp: m.timeDateStamp,
      ...(m.timeDateStamp !== 0 ? { time: new Date(m.timeDateStamp * 1000).toISOString() } : {}),
      codeView: m.codeView,
      version: m.version ? { fileVersion: m.version.fileVersion, productVersion: m.version.productVersion } : null,
    })),
    unloadedModules: md.unloadedModules.map((m) => ({
      base: hex(m.base),
      size: m.size,
      name: m.name,
      timeDateStamp: m.timeDateStamp,
    })),
    process: md.miscInfo
      ? {
          ...(md.miscInfo.processId !== undefined ? { processId: md.miscInfo.processId } : {}),
          ...(md.miscInfo.processCreateTime ? { created: md.miscInfo.processCreateTime.iso } : {}),
          ...(md.miscInfo.processUserTime !== undefined
            ? { userSeconds: md.miscInfo.processUserTime, kernelSeconds: md.miscInfo.processKernelTime }
            : {}),
        }
      : null,
    handles: md.handles.map((h) => ({
      handle: hex(h.handle),
      type: h.typeName,
      name: h.objectName,
      grantedAccess: `0x${h.grantedAccess.toString(16)}`,
      handleCount: h.handleCount,
      pointerCount: h.pointerCount,
    })),
    ...(md.memoryInfo.length > 0
      ? {
          memoryInfo: md.memoryInfo.map((r) => ({
            base: hex(r.base),
            size: r.regionSize,
            allocationBase: hex(r.allocationBase),
            state: stateName(r.state),
            protect: protectionName(r.protect),
            type: typeName(r.type),
            allocationProtect: protectionName(r.allocationProtect),
          })),
        }
      : {}),
  };
}
