import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Set by .ci/services/chromium.sh: the Chromium binary the browser suites drive. */
export const CHROMIUM = process.env.RNRKIT_CHROMIUM;

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PAGE_DIR = join(ROOT, 'dist/inspector');
/** Screenshots are test artifacts (gitignored), not committed. */
export const ARTIFACTS = join(ROOT, 'test-artifacts/browser');

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** Build the page when dist/inspector is missing or older than a source file of it (about 2 s). */
export async function buildPageIfStale(): Promise<void> {
  const built = join(PAGE_DIR, 'index.html');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce(
      (t, e) => Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs),
      0,
    );
  let builtAt = 0;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    /* not built */
  }
  if (builtAt > Math.max(newest(join(ROOT, 'inspector')), newest(join(ROOT, 'src')))) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'inspector/vite.config.ts'), logLevel: 'warn' });
}

export interface Browser {
  readonly context: BrowserContext;
  /** Every console error and CSP violation any page reported. */
  readonly problems: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile in a temp folder; pages record console errors and CSP violations. */
export async function launch(executablePath: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'rnrkit-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    acceptDownloads: true,
    viewport: { width: 1400, height: 900 },
  });
  const problems: string[] = [];
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('worker', (w) =>
      w.on('console', (m) => {
        if (m.type() === 'error') problems.push(`worker console: ${m.text()}`);
      }),
    );
  };
  for (const p of context.pages()) watch(p);
  context.on('page', watch);
  return {
    context,
    problems,
    newPage: async () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function processes(context: BrowserContext): Promise<{ type: string; id: number }[]> {
  const session = await context.browser()!.newBrowserCDPSession();
  const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[];
  };
  await session.detach();
  return processInfo;
}

/** Start measuring peaks from now: writing 5 to /proc/PID/clear_refs resets a process's VmHWM to its current RSS. */
export async function resetPeakMemory(context: BrowserContext): Promise<void> {
  for (const p of await processes(context)) {
    try {
      writeFileSync(`/proc/${p.id}/clear_refs`, '5');
    } catch {
      /* not ours to reset: the peak then covers the process's whole life */
    }
  }
}

/** Peak resident memory (VmHWM, bytes) of the browser process and of the largest renderer since resetPeakMemory, from /proc. */
export async function peakMemory(context: BrowserContext): Promise<{ browser: number; renderer: number }> {
  const processInfo = await processes(context);
  const hwm = (pid: number) => {
    try {
      return Number(/VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      return 0;
    }
  };
  return {
    browser: Math.max(0, ...processInfo.filter((p) => p.type === 'browser').map((p) => hwm(p.id))),
    renderer: Math.max(0, ...processInfo.filter((p) => p.type === 'renderer').map((p) => hwm(p.id))),
  };
}
