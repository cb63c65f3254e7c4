import type { CsAddrInfoJson, SocketAddressJson } from '../../src/codec/canonical.js';
import type { AddressDifference, CompareRow, Comparison, SetRef } from './compare.js';
import { byId, h, hex } from './dom.js';

/**
 * Two sets' CSADDR_INFO entries side by side, B's verdicts from the
 * exact-match rule (src/match): a matched entry beside an A entry it
 * matches, an unmatched one beside the closest unpaired A entry, with the
 * bytes that differ marked.
 */
export function showComparison(comparison: Comparison, a: SetRef, b: SetRef): void {
  const name = (s: SetRef) => `${hex(s.at)} (${s.arch}, ${s.charset})`;
  byId('comparison-title').textContent = `A ${name(a)} and B ${name(b)}`;
  const total = comparison.b.matched.length + comparison.b.unmatched.length;
  byId('comparison-summary').textContent =
    `${comparison.b.matched.length} of B's ${total} entries match an entry of A (${comparison.mode} rule); ` +
    `${comparison.a.matched.length} of A's ${comparison.a.matched.length + comparison.a.unmatched.length} match an entry of B.`;
  const table = byId('compare-table');
  table.replaceChildren(
    h(
      'thead',
      {},
      h('tr', {}, h('th', { text: 'A entry' }), h('th', { text: 'verdict for B' }), h('th', { text: 'B entry' })),
    ),
    h('tbody', {}, ...comparison.rows.map(rowView)),
  );
}

function rowView(row: CompareRow): HTMLElement {
  const verdict = row.b ? (row.matched ? 'matched' : 'unmatched') : row.matched ? 'in B' : 'not in B';
  return h(
    'tr',
    { class: `entry ${row.matched ? 'matched' : 'unmatched'}`, 'data-b': row.b?.index, 'data-a': row.a?.index },
    h('td', {}, row.a ? entryView(row.a.index, row.a.entry, row) : h('span', { class: 'none', text: '—' })),
    h(
      'td',
      { class: 'verdict' },
      h('span', { class: `mark ${row.matched ? 'yes' : 'no'}`, text: `${row.matched ? '✓' : '✗'} ${verdict}` }),
    ),
    h('td', {}, row.b ? entryView(row.b.index, row.b.entry, row) : h('span', { class: 'none', text: '—' })),
  );
}

function entryView(index: number, e: CsAddrInfoJson, row: CompareRow): HTMLElement {
  const d = row.differences;
  return h(
    'div',
    { class: 'entry-cell' },
    h('div', { class: 'index', text: `lpcsaBuffer[${index}]` }),
    field('iSocketType', String(e.iSocketType), d?.iSocketType),
    field('iProtocol', String(e.iProtocol), d?.iProtocol),
    address('LocalAddr', e.LocalAddr, d?.LocalAddr),
    address('RemoteAddr', e.RemoteAddr, d?.RemoteAddr),
  );
}

function field(name: string, value: string, differs: boolean | undefined): HTMLElement {
  return h(
    'div',
    { class: `field${differs ? ' diff' : ''}` },
    h('span', { class: 'key', text: name }),
    ' ',
    h('span', { text: value }),
  );
}

function address(name: string, a: SocketAddressJson, d: AddressDifference | undefined): HTMLElement {
  const text = (a.$sockaddr as { text?: string } | undefined)?.text;
  const bytes = h('span', { class: 'sockaddr' });
  const hexText = a.lpSockaddr ?? '';
  const differing = new Set(d?.bytes ?? []);
  for (let k = 0; k < hexText.length / 2; k++)
    bytes.append(h('span', { class: `b${differing.has(k) ? ' diff' : ''}`, text: hexText.slice(k * 2, k * 2 + 2) }));
  return h(
    'div',
    { class: `field${d?.length ? ' diff-length' : ''}` },
    h('span', { class: 'key', text: name }),
    ' ',
    a.lpSockaddr === null ? h('span', { class: 'null', text: 'no address' }) : bytes,
    ` (${a.iSockaddrLength} bytes)`,
    text ? h('span', { class: 'note', text: ` ${text}` }) : null,
  );
}
