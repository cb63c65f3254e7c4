import { ARCHES } from '../../src/abi/types.js';
import { decodeQuerySet } from '../../src/codec/decode.js';
import { isMinidump, Minidump } from '../../src/dump/minidump.js';
import { scanQuerySets } from '../../src/dump/scan.js';
import type { ByteSource } from '../../src/dump/source.js';
import { SourceRegions } from '../../src/dump/source-regions.js';
import { InvalidDataError, RnrError } from '../../src/errors.js';
import { type AddressSpace, parseAddress } from '../../src/memory/address-space.js';
import { blobSource } from './blob-source.js';
import { compareSets } from './compare.js';
import { httpSource } from './http-source.js';
import { inflateToSource } from './inflate.js';
import { mapQuerySet } from './memory-map.js';
import type { CaptureInfo, CaptureInput, Request, Response } from './protocol.js';

/**
 * The inspector's worker: it owns the capture and runs the unchanged
 * synchronous core (Minidump, scanQuerySets, decodeQuerySet, AddressSet)
 * over sources that read the user's file in slices, so the page never
 * blocks. Cancelling a scan terminates the worker; the page starts a new
 * one and opens the same file again (opening reads only the directory).
 */
const scope = self as unknown as {
  postMessage(message: Response): void;
  onmessage: ((event: MessageEvent<Request>) => void) | null;
};

/** The ranked list the page shows; `rnrkit scan` prints every candidate. */
const MAX_CANDIDATES = 500;

interface Opened {
  readonly space: AddressSpace & { close(): void };
  readonly info: CaptureInfo;
}

let capture: Opened | undefined;

const post = (message: Response) => scope.postMessage(message);

scope.onmessage = (event: MessageEvent<Request>) => {
  const request = event.data;
  handle(request).catch((e: unknown) => post({ id: request.id, type: 'error', message: messageOf(e) }));
};

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case 'open': {
      capture?.space.close();
      capture = undefined;
      capture = await open(request.input, request.inflateLimit, (inflated) =>
        post({ id: request.id, type: 'inflating', inflated }),
      );
      post({ id: request.id, type: 'opened', info: capture.info });
      return;
    }
    case 'scan': {
      const { space, info } = opened();
      const started = performance.now();
      let shown = -1;
      let last = 0;
      const candidates = scanQuerySets(space, {
        arches: request.arches ?? (info.arch ? [info.arch] : ARCHES),
        onProgress(done, total) {
          const percent = Math.floor((done / total) * 100);
          const now = performance.now();
          if (percent !== shown && now - last > 50) {
            shown = percent;
            last = now;
            post({ id: request.id, type: 'progress', done, total });
          }
        },
      });
      post({
        id: request.id,
        type: 'candidates',
        candidates: candidates.slice(0, MAX_CANDIDATES),
        total: candidates.length,
        seconds: (performance.now() - started) / 1000,
      });
      return;
    }
    case 'decode': {
      const { space } = opened();
      const { set } = request;
      const options = { arch: set.arch, charset: set.charset, lenient: true } as const;
      const blocks = mapQuerySet(space, set.at, options);
      const json = decodeQuerySet(space, set.at, options);
      const annotated = decodeQuerySet(space, set.at, { ...options, annotate: true });
      post({ id: request.id, type: 'decoded', decoded: { set, json, annotated, blocks } });
      return;
    }
    case 'compare': {
      const { space } = opened();
      post({ id: request.id, type: 'compared', comparison: compareSets(space, request.a, request.b, request.mode) });
      return;
    }
  }
}

function opened(): Opened {
  if (!capture) throw new InvalidDataError('no capture is open');
  return capture;
}

async function open(input: CaptureInput, inflateLimit: number, onInflate: (n: number) => void): Promise<Opened> {
  if (input.kind === 'raw') {
    const regions = [];
    for (const r of input.regions) {
      const base = parseAddress(r.base.trim());
      const { source } = await sourceOfFile(r.file, inflateLimit, onInflate);
      regions.push({ base, source, label: r.file.name });
    }
    const label = regions.length === 1 ? input.regions[0]!.file.name : `${regions.length} regions`;
    const space = new SourceRegions(regions, label);
    const ranges = space.ranges();
    return {
      space,
      info: {
        label,
        kind: 'raw',
        arch: null,
        fileSize: input.regions.reduce((n, r) => n + r.file.size, 0),
        gzip: false,
        mapped: ranges.reduce((n, r) => n + r.length, 0),
        rangeCount: ranges.length,
        ranges: ranges.slice(0, 200),
        modules: [],
        warnings: [],
      },
    };
  }
  const name = input.kind === 'file' ? input.file.name : input.name;
  const { source, gzip } =
    input.kind === 'file'
      ? await sourceOfFile(input.file, inflateLimit, onInflate)
      : await sourceOfUrl(input.url, name, inflateLimit, onInflate);
  const head = new Uint8Array(4);
  source.readInto(head, 0);
  if (!isMinidump(head)) {
    throw new InvalidDataError(
      `${name} is not a minidump (no 'MDMP' signature): to open a raw image, add it as a region with the address of its first byte`,
      'MINIDUMP_HEADER.Signature',
    );
  }
  const minidump = new Minidump(source, name);
  const ranges = minidump.ranges();
  return {
    space: minidump,
    info: {
      label: name,
      kind: 'minidump',
      arch: minidump.arch ?? null,
      fileSize: minidump.fileSize,
      gzip,
      mapped: ranges.reduce((n, r) => n + r.length, 0),
      rangeCount: ranges.length,
      ranges: ranges.slice(0, 200),
      modules: minidump.modules
        .slice(0, 500)
        .map((m) => ({ base: hexOf(m.base), size: m.size, name: m.name ?? '(no name)' })),
      warnings: minidump.warnings,
    },
  };
}

async function sourceOfFile(
  file: File,
  inflateLimit: number,
  onInflate: (n: number) => void,
): Promise<{ source: ByteSource; gzip: boolean }> {
  const head = new Uint8Array(new FileReaderSync().readAsArrayBuffer(file.slice(0, 2)));
  if (head.length === 2 && head[0] === 0x1f && head[1] === 0x8b) {
    return { source: await inflateToSource(file.stream(), file.name, inflateLimit, onInflate), gzip: true };
  }
  return { source: blobSource(file), gzip: false };
}

async function sourceOfUrl(
  url: string,
  name: string,
  inflateLimit: number,
  onInflate: (n: number) => void,
): Promise<{ source: ByteSource; gzip: boolean }> {
  const probe = httpSource(url, name);
  const head = new Uint8Array(2);
  probe.readInto(head, 0);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const response = await fetch(url);
    if (!response.ok || !response.body)
      throw new InvalidDataError(`${name} could not be fetched: HTTP ${response.status}`);
    return { source: await inflateToSource(response.body, name, inflateLimit, onInflate), gzip: true };
  }
  return { source: probe, gzip: false };
}

/** The one line the CLI would print for the same error (src/cli/run.ts). */
function messageOf(e: unknown): string {
  const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');
  if (e instanceof RnrError) return `rnrkit: ${oneLine(e.message)}`;
  if (e instanceof DOMException) return `rnrkit: the file could not be read: ${oneLine(e.message)}`;
  return `rnrkit: internal error (please report): ${e instanceof Error ? oneLine(`${e.name}: ${e.message}`) : String(e)}`;
}

function hexOf(address: bigint): string {
  return `0x${address.toString(16)}`;
}
