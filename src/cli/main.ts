#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, runCommand } from './run.js';
import { errorLine } from './terminal-text.js';

/**
 * `rnrkit COMMAND …`. Commands load lazily so `rnrkit layout` does not pay
 * for SQLite or the minidump reader.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  layout: {
    summary: 'layout STRUCT --arch x86|x64 [--json] | --list   pahole-style struct layout',
    load: async () => (await import('./commands/layout.js')).layout,
  },
  decode: {
    summary:
      'decode FILE [--arch A] [--charset W|A] [--base ADDR] [--at ADDR] [--lenient] [--annotate]   canonical JSON of a query set',
    load: async () => (await import('./commands/decode.js')).decode,
  },
  encode: {
    summary: 'encode JSON|- --arch A --base ADDR [--charset W|A] -o OUT   flat image of a query set',
    load: async () => (await import('./commands/encode.js')).encode,
  },
  match: {
    summary: "match A B [--semantic] [--arch A]… [--base ADDR]… [--at ADDR]…  which of B's addresses match A's exactly",
    load: async () => (await import('./commands/match.js')).match,
  },
  service: {
    summary:
      'service register|deregister|delete QUERY.json [--multiple] [--store PATH] [--as NAME] [--arch A] | list | providers | lookup --class GUID …   the WSASetService registry and WSALookupServiceBegin/Next/End',
    load: async () => (await import('./commands/service.js')).service,
  },
  scan: {
    summary:
      'scan FILE [--arch A]… [--charset W|A] [--limit N]   candidate query sets in a capture, best first (JSON lines)',
    load: async () => (await import('./commands/scan.js')).scan,
  },
  regions: {
    summary: "regions FILE                                       a capture's ranges, streams, modules and arch (JSON)",
    load: async () => (await import('./commands/regions.js')).regions,
  },
  annotate: {
    summary: 'annotate FILE --at ADDR [--arch A] [--charset W|A] labelled hex dump of a set and its pointees (dt -r)',
    load: async () => (await import('./commands/annotate.js')).annotate,
  },
  inspect: {
    summary:
      'inspect [FILE] [--port N]                          the dump inspector in the browser, served on 127.0.0.1',
    load: async () => (await import('./commands/inspect.js')).inspect,
  },
  demo: {
    summary: 'demo                                               what `npm start` runs',
    load: async () => (await import('./commands/demo.js')).demo,
  },
};

const USAGE = `usage: rnrkit COMMAND [options]\n\ncommands:\n${Object.values(COMMANDS)
  .map((c) => `  ${c.summary}`)
  .join(
    '\n',
  )}\n\nlimits (docs/limits/):\n  --max-string-units N  --max-count N  --max-blob-size BYTES   the codec's (decode, encode, match) and the scanner's (scan, annotate, a minidump's default --at)\n  --max-sockaddr-length N                                     the codec's (decode, encode, match)\n  --max-total-bytes BYTES                                     the codec's (decode, encode)\n  --max-input BYTES       JSON input (encode, match, service register|deregister|delete)\n  --max-inflated BYTES    a gzipped capture (decode, scan, regions, annotate, match)\n`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  interactive: boolean;
}

const processIo: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  interactive: Boolean(process.stderr.isTTY),
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...args] = argv;
  const { stdout, stderr } = io;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? stderr : stdout)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    stderr(errorLine(`unknown command ${JSON.stringify(name)}: one of ${Object.keys(COMMANDS).join(', ')}`));
    return 2;
  }
  return runCommand(await entry.load(), { args, stdout, stderr, interactive: io.interactive });
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(errorLine(`internal error (please report): ${String(e)}`));
      process.exitCode = 1;
    },
  );
}
