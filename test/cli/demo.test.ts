import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('rnrkit demo (npm start)', () => {
  it('finds the planted set in the real dump, decodes it as the process printed it, and walks the table', async () => {
    const r = await runCli(['demo', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.dump.arch).toBe('x64');
    expect(out.candidates[0].at).toBe(out.decoded.at);
    expect(out.decoded.agreesWithCapturingProcess).toBe(true);
    // Where the planted set lives: the process heap the dump's PEB lists.
    expect(out.decoded.where).toMatch(/^heap 0x[0-9a-f]+$/);
    const calls = out.registry.map((s: { call: string }) => s.call);
    expect(calls).toEqual([
      'RNRSERVICE_REGISTER',
      'RNRSERVICE_REGISTER | SERVICE_MULTIPLE',
      'RNRSERVICE_DEREGISTER | SERVICE_MULTIPLE',
      'RNRSERVICE_DELETE | SERVICE_MULTIPLE',
    ]);
    const total = out.decoded.querySet.lpcsaBuffer.length;
    const held = out.registry.map((s: { state: { lpcsaBuffer: unknown[] }[] }) => s.state[0]?.lpcsaBuffer.length ?? 0);
    expect(held).toEqual([Math.max(1, Math.floor(total / 2)), total, total - 1, 0]);
    // The near miss matched nothing; the exact ones removed the rest and then the object.
    const last = out.registry[3].result.providers.find((p: { result: number }) => p.result === 0).outcome;
    expect(last.unmatched).toHaveLength(1);
    expect(last.object).toBe('deleted');
  });

  it('prints a readable walk-through by default', async () => {
    const r = await runCli(['demo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('the same as the capturing process printed of its own structures: yes');
    expect(r.stdout).toContain('store:    empty (the object is gone)');
    expect(r.stdout).toMatch(/\n {3}where it lives: heap 0x[0-9a-f]+\n/);
  });
});
