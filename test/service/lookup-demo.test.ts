import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('npm start ends with a lookup of what it registered', () => {
  it('--json: the set is found by class and name, the WSAEFAULT length is exact, then WSA_E_NO_MORE', async () => {
    const { code, stdout } = await runCli(['demo', '--json']);
    expect(code).toBe(0);
    const demo = JSON.parse(stdout) as {
      decoded: { querySet: Record<string, unknown> };
      lookup: { lpdwBufferLength: number; at: string; end: number; result: Record<string, unknown>; flags: number };
    };
    const decoded = demo.decoded.querySet;
    expect(demo.lookup.flags).toBe(0x0ff0);
    expect(demo.lookup.end).toBe(10110);
    expect(demo.lookup.result).toMatchObject({
      lpszServiceInstanceName: decoded.lpszServiceInstanceName,
      lpServiceClassId: decoded.lpServiceClassId,
      lpszComment: decoded.lpszComment,
      dwNumberOfCsAddrs: decoded.dwNumberOfCsAddrs,
      dwNameSpace: 32,
    });
  }, 60_000);

  it('prints the result buffer member by member, annotate-style', async () => {
    const { code, stdout } = await runCli(['demo']);
    expect(code).toBe(0);
    const section = stdout.slice(stdout.indexOf('4. WSALookupServiceBegin/Next/End'));
    const required = Number(/\*lpdwBufferLength = (\d+)/.exec(section)![1]);
    expect(section).toContain(`Next with ${required} bytes at`);
    expect(section).toContain('WSA_E_NO_MORE (10110)');
    expect(section).toMatch(/WSAQUERYSET[WA] at 0x[0-9a-f]+ \(x(64|86), \d+ bytes\)/);
    expect(section).toMatch(/\+0x000 dwSize\s+: 0x/);
    expect(section).toContain('lpszServiceInstanceName at 0x');
  }, 60_000);
});
