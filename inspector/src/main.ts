import './style.css';
import type { Candidate } from '../../src/dump/scan.js';
import type { SetRef } from './compare.js';
import { showComparison } from './compare-view.js';
import { describeMember, jumpTo, memberAt, showDecoded } from './detail-view.js';
import { byId, formatSize, h, hex } from './dom.js';
import { DEFAULT_INFLATE_LIMIT } from './inflate.js';
import type { CaptureInfo, CaptureInput, Decoded } from './protocol.js';
import { Cancelled, WorkerClient } from './worker-client.js';

/**
 * The inspector page: open a capture, scan it in the worker, list the
 * candidates, open one (decoded tree + annotated hex), compare two. One
 * view at a time: 'list' (candidates), 'detail', 'compare'; Esc goes back
 * to the list.
 */
type View = 'start' | 'list' | 'detail' | 'compare';

const params = new URLSearchParams(location.search);
const inflateLimit = Number(params.get('inflate') ?? DEFAULT_INFLATE_LIMIT);

let client = new WorkerClient();
let input: CaptureInput | undefined;
let info: CaptureInfo | undefined;
let candidates: Candidate[] = [];
let selected = 0;
let picks: { a?: number; b?: number } = {};
let decoded: Decoded | undefined;
let view: View = 'start';

function setView(next: View): void {
  view = next;
  byId('list').hidden = next !== 'list';
  byId('detail').hidden = next !== 'detail';
  byId('comparison').hidden = next !== 'compare';
  document.body.dataset.view = next;
}

function showMessage(text: string | undefined): void {
  const box = byId('message');
  box.textContent = text ?? '';
  box.hidden = !text;
}

function fail(e: unknown): void {
  if (e instanceof Cancelled) return;
  showMessage(e instanceof Error ? e.message : String(e));
}

async function openCapture(next: CaptureInput): Promise<void> {
  client.terminate('another capture is being opened');
  client = new WorkerClient();
  input = next;
  info = undefined;
  candidates = [];
  picks = {};
  showMessage(undefined);
  for (const id of ['capture', 'scan', 'list', 'detail', 'comparison']) byId(id).hidden = true;
  byId('intro').hidden = true;
  document.body.dataset.state = 'opening';
  try {
    const opened = await client.request<'opened'>({ type: 'open', input: next, inflateLimit }, (r) => {
      if (r.type === 'inflating') byId('scan-status').textContent = `inflating: ${formatSize(r.inflated)}`;
    });
    info = opened.info;
    showCapture(info);
    await scan();
  } catch (e) {
    document.body.dataset.state = 'failed';
    byId('intro').hidden = false;
    fail(e);
  }
}

function showCapture(c: CaptureInfo): void {
  byId('capture').hidden = false;
  const facts: [string, string][] = [
    ['file', `${c.label} (${formatSize(c.fileSize)}${c.gzip ? ', gzip, inflated' : ''})`],
    ['kind', c.kind],
    ['arch', c.arch ?? 'not declared (both are scanned)'],
    ['memory', `${formatSize(c.mapped)} in ${c.rangeCount} ranges`],
  ];
  byId('capture-facts').replaceChildren(
    ...facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: v, 'data-fact': k })]),
  );
  byId('ranges-summary').textContent =
    `Ranges (${c.rangeCount}${c.rangeCount > c.ranges.length ? `, first ${c.ranges.length} shown` : ''})`;
  byId('ranges').replaceChildren(
    ...c.ranges.map((r) =>
      h(
        'tr',
        {},
        h('td', { text: hex(r.base) }),
        h('td', { text: hex(r.base + r.length) }),
        h('td', { text: formatSize(r.length) }),
      ),
    ),
  );
  byId('modules-summary').textContent = `Modules (${c.modules.length})`;
  byId('modules').replaceChildren(
    ...c.modules.map((m) =>
      h('tr', {}, h('td', { text: m.base }), h('td', { text: formatSize(m.size) }), h('td', { text: m.name })),
    ),
  );
  byId('warnings-box').hidden = c.warnings.length === 0;
  byId('warnings-summary').textContent = `Warnings (${c.warnings.length})`;
  byId('warnings').replaceChildren(...c.warnings.map((w) => h('li', { text: w })));
}

async function scan(): Promise<void> {
  const progress = byId<HTMLProgressElement>('scan-progress');
  const status = byId('scan-status');
  byId('scan').hidden = false;
  byId('scan-cancel').hidden = false;
  byId('scan-again').hidden = true;
  progress.value = 0;
  status.textContent = 'scanning…';
  document.body.dataset.state = 'scanning';
  try {
    const result = await client.request<'candidates'>({ type: 'scan' }, (r) => {
      if (r.type !== 'progress') return;
      progress.value = r.total > 0 ? (r.done / r.total) * 100 : 100;
      status.textContent = `scanning: ${formatSize(r.done)} of ${formatSize(r.total)}`;
    });
    progress.value = 100;
    candidates = result.candidates;
    status.textContent = `${result.total} candidates in ${result.seconds.toFixed(2)} s${result.total > candidates.length ? ` (best ${candidates.length} shown)` : ''}`;
    byId('scan-cancel').hidden = true;
    document.body.dataset.state = 'scanned';
    showCandidates();
  } catch (e) {
    if (!(e instanceof Cancelled)) {
      document.body.dataset.state = 'failed';
      fail(e);
    }
  }
}

async function cancelScan(): Promise<void> {
  client.terminate('scan cancelled');
  byId('scan-status').textContent = 'scan cancelled';
  byId('scan-cancel').hidden = true;
  byId('scan-again').hidden = false;
  document.body.dataset.state = 'cancelled';
  // The new worker opens the same file again (only its directory is read), so decoding still works.
  client = new WorkerClient();
  if (input) await client.request<'opened'>({ type: 'open', input, inflateLimit }).catch(fail);
}

function setName(c: Candidate): string {
  return c.charset === 'A' ? 'WSAQUERYSETA' : 'WSAQUERYSETW';
}

function showCandidates(): void {
  const body = byId('candidates').querySelector('tbody')!;
  body.replaceChildren(
    ...candidates.map((c, i) =>
      h(
        'tr',
        {
          'data-index': String(i),
          tabindex: i === selected ? '0' : '-1',
          'aria-selected': String(i === selected),
          class: 'candidate',
        },
        h('td', { text: String(i + 1) }),
        h('td', { class: 'mono', text: hex(c.at) }),
        h('td', { text: `${setName(c)} ${c.arch}` }),
        h('td', { class: 'score', text: String(c.score) }),
        h('td', { text: c.name ?? '' }),
        h('td', { class: 'why', text: c.reasons.join(', ') }),
        h(
          'td',
          { class: 'picks' },
          h('button', {
            type: 'button',
            class: `pick${picks.a === i ? ' on' : ''}`,
            'data-pick': 'a',
            'aria-pressed': String(picks.a === i),
            text: 'A',
          }),
          h('button', {
            type: 'button',
            class: `pick${picks.b === i ? ' on' : ''}`,
            'data-pick': 'b',
            'aria-pressed': String(picks.b === i),
            text: 'B',
          }),
        ),
      ),
    ),
  );
  if (candidates.length === 0)
    body.append(h('tr', {}, h('td', { colspan: '7', text: 'No query set found in this capture.' })));
  const label = (i: number | undefined) => (i === undefined ? 'none' : `#${i + 1} ${hex(candidates[i]!.at)}`);
  byId('pick-a').textContent = label(picks.a);
  byId('pick-b').textContent = label(picks.b);
  byId<HTMLButtonElement>('compare').disabled = picks.a === undefined || picks.b === undefined;
  setView('list');
}

function select(i: number, focus = true): void {
  if (candidates.length === 0) return;
  selected = Math.max(0, Math.min(candidates.length - 1, i));
  const rows = byId('candidates').querySelectorAll<HTMLElement>('tr.candidate');
  rows.forEach((row, k) => {
    row.tabIndex = k === selected ? 0 : -1;
    row.setAttribute('aria-selected', String(k === selected));
  });
  if (focus) rows[selected]?.focus();
}

function refOf(c: Candidate): SetRef {
  return { at: c.at, arch: c.arch, charset: c.charset };
}

async function openCandidate(i: number): Promise<void> {
  const c = candidates[i];
  if (!c) return;
  select(i, false);
  showMessage(undefined);
  try {
    const r = await client.request<'decoded'>({ type: 'decode', set: refOf(c) });
    decoded = r.decoded;
    showDecoded(decoded);
    setView('detail');
    byId('back').focus();
  } catch (e) {
    fail(e);
  }
}

async function compare(): Promise<void> {
  if (picks.a === undefined || picks.b === undefined) return;
  const a = refOf(candidates[picks.a]!);
  const b = refOf(candidates[picks.b]!);
  showMessage(undefined);
  try {
    const mode = byId<HTMLInputElement>('semantic').checked ? 'semantic' : 'exact';
    const r = await client.request<'compared'>({ type: 'compare', a, b, mode });
    showComparison(r.comparison, a, b);
    setView('compare');
    byId('back-compare').focus();
  } catch (e) {
    fail(e);
  }
}

function backToList(): void {
  if (view !== 'detail' && view !== 'compare') return;
  setView('list');
  select(selected);
}

function exportJson(): void {
  if (!decoded) return;
  const blob = new Blob([`${JSON.stringify(decoded.json, null, 2)}\n`], { type: 'application/json' });
  const link = h('a', {
    href: URL.createObjectURL(blob),
    download: `${setName(candidates[selected]!)}-${hex(decoded.set.at)}.json`,
  });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

// Opening files: the picker, raw regions, drag and drop, or the file `rnrkit inspect FILE` serves.
byId<HTMLInputElement>('file').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void openCapture({ kind: 'file', file });
});
byId('raw-open').addEventListener('click', () => {
  const files = [...(byId<HTMLInputElement>('raw-file').files ?? [])];
  const bases = byId<HTMLInputElement>('raw-base')
    .value.split(/[\s,]+/)
    .filter(Boolean);
  if (files.length === 0) {
    showMessage('rnrkit: choose one or more raw region files');
    return;
  }
  if (bases.length !== files.length) {
    showMessage(
      `rnrkit: ${files.length} raw files need ${files.length} base addresses (where each file's first byte was in memory), ${bases.length} given`,
    );
    return;
  }
  void openCapture({ kind: 'raw', regions: files.map((file, i) => ({ file, base: bases[i]! })) });
});
document.addEventListener('dragover', (event) => {
  event.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', (event) => {
  event.preventDefault();
  document.body.classList.remove('dragging');
  const file = event.dataTransfer?.files[0];
  if (file) void openCapture({ kind: 'file', file });
});

byId('scan-cancel').addEventListener('click', () => void cancelScan());
byId('scan-again').addEventListener('click', () => void scan());
byId('back').addEventListener('click', backToList);
byId('back-compare').addEventListener('click', backToList);
byId('export').addEventListener('click', exportJson);
byId('compare').addEventListener('click', () => void compare());

byId('candidates').addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  const row = target.closest<HTMLElement>('tr.candidate');
  if (!row) return;
  const i = Number(row.dataset.index);
  const pick = target.closest<HTMLElement>('[data-pick]')?.dataset.pick;
  if (pick === 'a' || pick === 'b') {
    picks = { ...picks, [pick]: picks[pick] === i ? undefined : i };
    selected = i;
    showCandidates();
    select(i);
    return;
  }
  void openCandidate(i);
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    backToList();
    return;
  }
  if (view !== 'list' || (event.target as HTMLElement).closest('input, button, summary')) return;
  if (event.key === 'ArrowDown') {
    event.preventDefault();
    select(selected + 1);
  } else if (event.key === 'ArrowUp') {
    event.preventDefault();
    select(selected - 1);
  } else if (event.key === 'Home') {
    event.preventDefault();
    select(0);
  } else if (event.key === 'End') {
    event.preventDefault();
    select(candidates.length - 1);
  } else if (event.key === 'Enter') {
    event.preventDefault();
    void openCandidate(selected);
  }
});

// The hex view: hover shows the member, a pointer (in the hex or the tree) jumps to its pointee.
const tooltip = byId('tooltip');
const hexView = byId('hex');
hexView.addEventListener('mouseover', (event) => {
  const byte = (event.target as HTMLElement).closest<HTMLElement>('.b');
  for (const old of hexView.querySelectorAll('.hover')) old.classList.remove('hover');
  const found = byte ? memberAt(byte) : undefined;
  if (!byte || !found) {
    tooltip.hidden = true;
    return;
  }
  for (const b of found.block.querySelectorAll(`[data-m="${byte.dataset.m}"]`)) b.classList.add('hover');
  tooltip.textContent = `${describeMember(found.member)}${found.member.target !== undefined ? '  (click to follow)' : ''}`;
  tooltip.hidden = false;
  const box = byte.getBoundingClientRect();
  tooltip.style.left = `${Math.round(box.left + window.scrollX)}px`;
  tooltip.style.top = `${Math.round(box.bottom + window.scrollY + 4)}px`;
});
hexView.addEventListener('mouseleave', () => {
  tooltip.hidden = true;
});
for (const pane of [hexView, byId('tree')]) {
  pane.addEventListener('click', (event) => {
    const link = (event.target as HTMLElement).closest<HTMLElement>('[data-target]');
    if (!link) return;
    const target = Number(link.dataset.target);
    showMessage(jumpTo(target) ? undefined : `rnrkit: ${hex(target)} is not in a block shown for this set`);
  });
}

const served = new URLSearchParams(location.hash.slice(1));
const servedUrl = served.get('open');
if (servedUrl) void openCapture({ kind: 'url', url: servedUrl, name: served.get('name') ?? servedUrl });
setView('start');
