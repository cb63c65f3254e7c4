// After tsc: restructure and buffer-layout ship no type declarations, so
// src/adapters/vendor.d.ts describes the parts rnrkit uses. tsc neither
// copies a .d.ts nor keeps a reference to one in what it emits, so this
// copies it into dist and points the emitted adapter declarations at it:
// without that, a TypeScript user of rnrkit/adapters gets TS7016 errors.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';

const dir = new URL('../dist/adapters/', import.meta.url);
copyFileSync(new URL('../src/adapters/vendor.d.ts', import.meta.url), new URL('vendor.d.ts', dir));
const reference = '/// <reference path="./vendor.d.ts" />\n';
for (const file of ['restructure.d.ts', 'buffer-layout.d.ts']) {
  const path = new URL(file, dir);
  const text = readFileSync(path, 'utf8');
  if (!text.startsWith(reference)) writeFileSync(path, reference + text);
}
