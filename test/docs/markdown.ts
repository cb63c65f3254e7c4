/**
 * Reading README.md and docs/**\/*.md as the examples and links tests see
 * them: fenced blocks with their language and line, and relative links.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Block {
  /** Path relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  text: string;
  /** The `<!-- recipe: NAME -->` marker on the line before the fence, if any. */
  recipe?: string;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** README.md and every markdown file under docs/, except the generated API reference (docs/api/). */
export function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((name) => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return dir === join(root, 'docs') && name === 'api' ? [] : walk(path);
        return name.endsWith('.md') ? [path] : [];
      });
  return [join(root, 'README.md'), ...walk(join(root, 'docs'))];
}

const fenceOpen = /^(`{3,})([\w-]*)[^`]*$/;

export function blocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = fenceOpen.exec(lines[i] ?? '');
    if (!open) continue;
    const start = i;
    const fence = open[1] ?? '```';
    const body: string[] = [];
    const closes = (line: string) => (/^(`{3,})\s*$/.exec(line)?.[1]?.length ?? 0) >= fence.length;
    for (i++; i < lines.length && !closes(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    const recipe = /^<!-- recipe: ([\w-]+) -->$/.exec(lines[start - 1] ?? '')?.[1];
    found.push({
      file: relative(root, file),
      line: start + 1,
      lang: open[2] ?? '',
      text: body.join('\n'),
      ...(recipe ? { recipe } : {}),
    });
  }
  return found;
}

/** Relative links (inline `[text](target)`, images, and `[label]: target` definitions) outside code. */
export function links(file: string): Link[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: Link[] = [];
  let fence: string | null = null;
  lines.forEach((raw, index) => {
    const open = /^(`{3,})/.exec(raw);
    if (open) {
      if (fence === null) fence = open[1] ?? null;
      else if (raw.trim() === fence) fence = null;
      return;
    }
    if (fence !== null) return;
    const text = raw.replace(/`[^`]*`/g, '');
    const targets = [
      ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? ''),
      ...[...text.matchAll(/^\s*\[[^\]]+\]:\s+<?(\S+?)>?(?:\s|$)/g)].map((m) => m[1] ?? ''),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...
      found.push({ file: relative(root, file), line: index + 1, target });
    }
  });
  return found;
}

/** The anchors GitHub makes for a markdown file's headings (and explicit `<a id>`/`<a name>`). */
export function anchors(path: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fence: string | null = null;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const open = /^(`{3,})/.exec(raw);
    if (open) {
      if (fence === null) fence = open[1] ?? null;
      else if (raw.trim() === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    for (const m of raw.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) result.add(m[1] ?? '');
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (!heading) continue;
    const slug = (heading[1] ?? '')
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}
