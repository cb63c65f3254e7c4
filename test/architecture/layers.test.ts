import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The layer table of docs/architecture.md, as data: a folder of src/ may
// import the folders listed for it (and itself), nothing else.
const MAY_IMPORT: Record<string, readonly string[]> = {
  errors: [],
  abi: ['errors'],
  memory: ['abi', 'errors'],
  codec: ['abi', 'memory', 'errors'],
  match: ['abi', 'memory', 'codec', 'errors'],
  dump: ['abi', 'memory', 'codec', 'errors'],
  adapters: ['abi', 'memory', 'codec', 'errors'],
  ffi: ['abi', 'memory', 'codec', 'errors'],
  service: ['abi', 'memory', 'codec', 'match', 'errors'],
  cli: ['*'],
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)) found.push(m[1]!);
  return found;
}

/** The layer a file of src/ belongs to: its top folder, or the file's own name at the top. */
function layerOf(file: string): string {
  const [first] = relative(src, file).split('/');
  return first!.replace(/\.ts$/, '');
}

function resolveRelative(from: string, spec: string): string {
  return resolve(dirname(from), spec).replace(/\.js$/, '.ts');
}

const files = sourceFiles(src);

describe('layers (docs/architecture.md)', () => {
  it('every folder of src/ is in the layer table', () => {
    const layers = new Set(files.map(layerOf));
    const unknown = [...layers].filter((l) => !(l in MAY_IMPORT) && l !== 'index');
    expect(unknown, 'add the folder to docs/architecture.md and this table').toEqual([]);
  });

  it('imports go only down the layers', () => {
    const broken: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      const allowed = MAY_IMPORT[layer];
      if (!allowed || allowed.includes('*')) continue;
      for (const spec of specifiers(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolveRelative(file, spec);
        if (!target.startsWith(src)) continue;
        const targetLayer = layerOf(target);
        if (targetLayer !== layer && !allowed.includes(targetLayer)) {
          broken.push(
            `${relative(root, file)} imports ${relative(root, target)} (${layer} may not import ${targetLayer})`,
          );
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('nothing the root entry reaches imports a Node built-in or a package', () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const seen = new Set<string>();
    const offenders: string[] = [];
    const queue = [join(src, 'index.ts')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of specifiers(file)) {
        if (spec.startsWith('.')) queue.push(resolveRelative(file, spec));
        else if (builtins.has(spec) || spec.startsWith('node:'))
          offenders.push(`${relative(root, file)} imports ${spec}`);
        else offenders.push(`${relative(root, file)} imports the package ${spec}`);
      }
    }
    expect(seen.size).toBeGreaterThan(20);
    expect(offenders).toEqual([]);
  });
});
