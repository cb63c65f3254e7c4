import type { MemberLayout, StructLayout } from '../abi/layout.js';

/**
 * A pahole-style table of a layout: each member with offset and size,
 * holes and trailing padding called out where the compiler inserts them.
 */
export function layoutTable(layout: StructLayout): string {
  const lines: string[] = [];
  const header = `${layout.kind} ${layout.name} {`;
  lines.push(`${pad(header)}/* ${layout.arch}${layout.pack ? `, #pragma pack(${layout.pack})` : ''} */`);
  const stats = { members: 0, sum: 0, holes: 0, holeBytes: 0 };
  renderMembers(layout.members, layout.kind, 1, lines, stats);
  const end = layout.members.reduce((m, x) => Math.max(m, memberEnd(x)), 0);
  const padding = layout.size - end;
  if (padding > 0) lines.push('', `\t/* XXX ${padding} byte${padding === 1 ? '' : 's'} of trailing padding */`);
  lines.push('');
  lines.push(`\t/* size: ${layout.size}, align: ${layout.align}, members: ${stats.members} */`);
  lines.push(
    `\t/* sum members: ${stats.sum}, holes: ${stats.holes}, sum holes: ${stats.holeBytes}${padding > 0 ? `, padding: ${padding}` : ''} */`,
  );
  lines.push('};');
  return `${lines.join('\n')}\n`;
}

function memberEnd(m: MemberLayout): number {
  return m.kind === 'field' ? m.field.offset + m.field.size : m.offset + m.size;
}

function memberStart(m: MemberLayout): number {
  return m.kind === 'field' ? m.field.offset : m.offset;
}

function renderMembers(
  members: readonly MemberLayout[],
  kind: 'struct' | 'union',
  depth: number,
  lines: string[],
  stats: { members: number; sum: number; holes: number; holeBytes: number },
): void {
  const indent = '\t'.repeat(depth);
  let cursor: number | null = null;
  for (const m of members) {
    const start = memberStart(m);
    // Bit-fields sharing a unit start where the previous one did: no hole.
    if (kind === 'struct' && cursor !== null && start > cursor) {
      const hole = start - cursor;
      lines.push('', `${indent}/* XXX ${hole} byte${hole === 1 ? '' : 's'} hole */`, '');
      if (depth === 1) {
        stats.holes++;
        stats.holeBytes += hole;
      }
    }
    if (m.kind === 'field') {
      const f = m.field;
      const bits = f.bitOffset !== undefined ? f.type.slice(f.type.indexOf(':')) : '';
      const array = /^(.*?)(\[\d+\])$/.exec(f.type);
      const typeText = bits ? f.type.slice(0, f.type.indexOf(':')) : array ? array[1]! : f.type;
      const decl = `${indent}${typeText.padEnd(Math.max(1, 28 - 8 * (depth - 1)))} ${f.name}${array ? array[2] : ''}${bits};`;
      const where =
        f.bitOffset !== undefined
          ? `${String(f.offset).padStart(5)}:${String(f.bitOffset).padStart(2)} ${String(f.size).padStart(4)}`
          : `${String(f.offset).padStart(8)} ${String(f.size).padStart(5)}`;
      lines.push(`${pad(decl)}/* ${where} */`);
      if (depth === 1) {
        stats.members++;
        stats.sum += f.size;
      }
    } else {
      lines.push(`${indent}${m.anonymous} {`);
      renderMembers(m.members, m.anonymous, depth + 1, lines, stats);
      lines.push(`${pad(`${indent}};`)}/* ${String(m.offset).padStart(8)} ${String(m.size).padStart(5)} */`);
      if (depth === 1) {
        stats.members++;
        stats.sum += m.size;
      }
    }
    const end = memberEnd(m);
    cursor = kind === 'union' ? null : Math.max(cursor ?? 0, end);
  }
}

/** Pad to the comment column, counting a tab as reaching the next multiple of 8. */
function pad(text: string, column = 64): string {
  let width = 0;
  for (const c of text) width = c === '\t' ? (width + 8) & ~7 : width + 1;
  return text + ' '.repeat(Math.max(1, column - width));
}
