/**
 * The public surface, as a reviewer sees it: every name each package entry
 * exports (values and types), written to test/api/surface.json. A change to
 * the API is a visible diff of that file; `vitest -u` accepts it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
};

/** package.json's entries, mapped back from dist/*.js to src/*.ts. */
const entries = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object')
  .map(([subpath, target]) => ({
    subpath: subpath === '.' ? 'rnrkit' : `rnrkit/${subpath.slice(2)}`,
    file: join(root, (target as { default: string }).default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')),
  }));

function surface(): Record<string, string[]> {
  const program = ts.createProgram(
    entries.map((e) => e.file),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    },
  );
  const checker = program.getTypeChecker();
  const result: Record<string, string[]> = {};
  for (const entry of entries) {
    const source = program.getSourceFile(entry.file);
    if (!source) throw new Error(`${entry.file} is not in the program`);
    const moduleSymbol = checker.getSymbolAtLocation(source);
    const names = moduleSymbol ? checker.getExportsOfModule(moduleSymbol) : [];
    result[entry.subpath] = names
      .map((symbol) => {
        const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
        const isValue = (target.flags & ts.SymbolFlags.Value) !== 0;
        return `${symbol.name}${isValue ? '' : ' (type)'}`;
      })
      .sort();
  }
  return result;
}

describe('public API', () => {
  const exported = surface();

  it('is what test/api/surface.json records', async () => {
    await expect(`${JSON.stringify(exported, null, 2)}\n`).toMatchFileSnapshot('surface.json');
  });

  it('exports each name from one entry only', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const [entry, names] of Object.entries(exported)) {
      for (const name of names) {
        const other = seen.get(name);
        if (other) twice.push(`${name}: ${other} and ${entry}`);
        seen.set(name, entry);
      }
    }
    expect(twice).toEqual([]);
  });

  it('exports no demo or fixture helper', () => {
    const all = Object.values(exported).flat().join(' ');
    expect(all).not.toMatch(/\b(runRegistryDemo|bundledSets|openBundledDump|BUNDLED_DUMP)\b/);
  });
});
