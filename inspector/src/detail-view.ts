import type { UnresolvedPart } from '../../src/codec/decode-context.js';
import { byId, byteHex, h, hex } from './dom.js';
import type { Block, MemberSpan } from './memory-map.js';
import type { Decoded } from './protocol.js';

/**
 * The selected set: the decoded tree (canonical JSON, lenient) beside the
 * annotated hex view. Each member's bytes share a colour; hovering a byte
 * shows the member's path, offset, type and value; a pointer's bytes are a
 * link to the block it points to.
 */
export function showDecoded(decoded: Decoded): void {
  const { set, json, annotated, blocks } = decoded;
  byId('detail-title').textContent =
    `${set.charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW'} at ${hex(set.at)} (${set.arch})`;
  const unresolved = byId('unresolved');
  unresolved.replaceChildren();
  const parts = (json.$unresolved ?? []) as UnresolvedPart[];
  unresolved.hidden = parts.length === 0;
  if (parts.length > 0) {
    unresolved.append(
      h('h3', { text: `Could not be read (${parts.length})` }),
      h('ul', {}, ...parts.map((p) => h('li', {}, h('code', { text: p.path }), ` at ${p.address}: ${p.reason}`))),
    );
  }
  byId('tree').replaceChildren(h('h3', { text: 'Members' }), tree(annotated as unknown as Record<string, unknown>, ''));
  const view = byId('hex');
  view.replaceChildren(h('h3', { text: 'Memory' }), ...blocks.map(blockView));
  view.dataset.current = '';
}

/** Jump to the block holding `address`: scroll it into view and mark the byte. Returns false when no block shown holds it. */
export function jumpTo(address: number): boolean {
  const view = byId('hex');
  for (const old of view.querySelectorAll('.current, .target')) old.classList.remove('current', 'target');
  for (const block of view.querySelectorAll<HTMLElement>('.block')) {
    const start = Number(block.dataset.address);
    const length = Number(block.dataset.length);
    if (address >= start && address < start + Math.max(length, 1)) {
      block.classList.add('current');
      block.querySelector(`[data-a="${address}"]`)?.classList.add('target');
      block.scrollIntoView({ block: 'start' });
      view.dataset.current = String(address);
      return true;
    }
  }
  return false;
}

function tree(value: Record<string, unknown>, path: string): HTMLElement {
  const list = h('ul', { class: 'tree' });
  for (const [key, v] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    const at = value[`$${key}`];
    const memberPath = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    const item = h(
      'li',
      { 'data-path': memberPath },
      h('span', { class: 'key', text: Array.isArray(value) ? `[${key}]` : key }),
    );
    if (typeof at === 'string' && /^0x[0-9a-f]+$/.test(at))
      item.append(
        ' ',
        h('button', {
          type: 'button',
          class: 'link',
          'data-target': String(Number(at)),
          title: `show ${at} in the memory view`,
          text: `@${at}`,
        }),
      );
    if (v !== null && typeof v === 'object') {
      const sockaddr = (v as Record<string, unknown>).$sockaddr as { text?: string } | undefined;
      if (sockaddr?.text) item.append(' ', h('span', { class: 'note', text: sockaddr.text }));
      item.append(tree(v as Record<string, unknown>, memberPath));
    } else {
      item.append(': ', scalar(key, v, value));
    }
    list.append(item);
  }
  return list;
}

function scalar(key: string, v: unknown, parent: Record<string, unknown>): HTMLElement {
  if (v === null) return h('span', { class: 'null', text: 'NULL' });
  if (typeof v === 'string') {
    const sockaddr = key === 'lpSockaddr' ? (parent.$sockaddr as { text?: string } | undefined) : undefined;
    if (sockaddr?.text || /^(lpSockaddr|pBlobData|lpValue)$/.test(key)) return h('span', { class: 'bytes', text: v });
    if (isCleanText(v)) return h('span', { class: 'string', text: JSON.stringify(v) });
    // Not clean text: the code units themselves, which is what canonical JSON keeps.
    const units = Array.from(
      { length: v.length },
      (_, i) => `U+${v.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`,
    ).join(' ');
    return h('span', {
      class: 'string unclean',
      title: 'not clean text: the code units as stored',
      text: `${JSON.stringify(v)} — code units ${units}`,
    });
  }
  return h('span', { class: 'number', text: String(v) });
}

function isCleanText(s: string): boolean {
  return (
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what makes text unclean
    !/[\u0000-\u001f\u007f-\u009f\ufffd]/.test(s) &&
    (s as string & { isWellFormed?: () => boolean }).isWellFormed?.() !== false
  );
}

const PALETTE = 8;

function blockView(block: Block): HTMLElement {
  const head = h(
    'div',
    { class: 'block-head' },
    h('span', { class: 'label', text: block.label }),
    ` at ${hex(block.address)} `,
    h('span', { class: 'type', text: block.type }),
  );
  const element = h(
    'div',
    {
      class: 'block',
      'data-address': String(block.address),
      'data-length': String(block.bytes.length),
      id: `block-${block.address.toString(16)}`,
    },
    head,
  );
  if (block.error) {
    element.classList.add('unreadable');
    element.append(h('p', { class: 'error', text: `not readable: ${block.error}` }));
    return element;
  }
  const owner = new Int32Array(block.bytes.length).fill(-1);
  block.members.forEach((m, k) => {
    owner.fill(k, m.offset, Math.min(block.bytes.length, m.offset + m.size));
  });
  for (let row = 0; row < block.bytes.length; row += 16) {
    const line = h('div', { class: 'row' }, h('span', { class: 'addr', text: hex(block.address + row).padStart(14) }));
    for (let i = row; i < Math.min(row + 16, block.bytes.length); i++) {
      const k = owner[i]!;
      const m = k >= 0 ? block.members[k] : undefined;
      const classes = ['b', m ? `m${k % PALETTE}` : 'pad', m?.target !== undefined ? 'ptr' : '']
        .filter(Boolean)
        .join(' ');
      line.append(
        h('span', {
          class: classes,
          'data-a': String(block.address + i),
          'data-m': k >= 0 ? String(k) : undefined,
          ...(m?.target !== undefined ? { 'data-target': String(m.target), role: 'link' } : {}),
          text: byteHex(block.bytes[i]!),
        }),
      );
    }
    element.append(line);
  }
  membersByBlock.set(element, block.members);
  return element;
}

/** The members of each drawn block, for the tooltip. */
const membersByBlock = new WeakMap<HTMLElement, readonly MemberSpan[]>();

export function memberAt(byte: HTMLElement): { member: MemberSpan; block: HTMLElement } | undefined {
  const block = byte.closest<HTMLElement>('.block');
  const k = byte.dataset.m;
  if (!block || k === undefined) return undefined;
  const member = membersByBlock.get(block)?.[Number(k)];
  return member ? { member, block } : undefined;
}

export function describeMember(m: MemberSpan): string {
  return `${m.path || '(set)'}  +0x${m.offset.toString(16)}  ${m.type}  = ${m.value}`;
}
