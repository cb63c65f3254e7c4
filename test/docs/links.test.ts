/**
 * Every relative link in README.md and docs/**\/*.md points at a file of the
 * repository, and at a heading (GitHub's anchor for it) when it names one.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anchors, links, markdownFiles, root } from './markdown.js';

const files = markdownFiles();

describe('relative links in README.md and docs/', () => {
  it('there are links to check', () => {
    expect(files.flatMap(links).length).toBeGreaterThan(10);
  });

  for (const file of files) {
    const found = links(file);
    if (found.length === 0) continue;
    it(`${relative(root, file)}: every relative link resolves`, () => {
      const broken: string[] = [];
      for (const link of found) {
        const [path, anchor] = link.target.split('#', 2) as [string, string | undefined];
        const target = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
        const where = `${link.file}:${link.line} ${link.target}`;
        if (!existsSync(target)) {
          broken.push(`${where}: no such file`);
          continue;
        }
        if (!target.startsWith(`${root}/`) && target !== root) broken.push(`${where}: outside the repository`);
        if (
          anchor !== undefined &&
          !(statSync(target).isFile() && target.endsWith('.md') && anchors(target).has(anchor))
        ) {
          broken.push(`${where}: no heading #${anchor} in ${relative(root, target) || '.'}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
