import { describe, expect, it } from 'vitest';
import { PUBLIC_STRUCTS } from '../../src/abi/index.js';
import { runCli } from '../helpers/cli.js';

describe('rnrkit layout', () => {
  it.each([
    ['WSAQUERYSETW', 'x86', 60],
    ['WSAQUERYSETW', 'x64', 120],
    ['WSAQUERYSETA', 'x86', 60],
    ['WSAQUERYSETA', 'x64', 120],
    ['CSADDR_INFO', 'x86', 24],
    ['CSADDR_INFO', 'x64', 40],
    ['SOCKADDR_BTH', 'x86', 30],
    ['SOCKADDR_BTH', 'x64', 30],
    ['BTH_SET_SERVICE', 'x86', 37],
    ['BTH_SET_SERVICE', 'x64', 45],
  ])('%s on %s is %i bytes, in the table and in --json', async (name, arch, size) => {
    const table = await runCli(['layout', name, '--arch', arch]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`/* size: ${size},`);
    const j = await runCli(['layout', name, '--arch', arch, '--json']);
    const parsed = JSON.parse(j.stdout);
    expect(Object.keys(parsed)).toEqual(['name', 'arch', 'size', 'align', 'fields']);
    expect(parsed).toMatchObject({ name, arch, size });
    for (const f of parsed.fields) expect(Object.keys(f)).toEqual(['name', 'offset', 'size', 'type']);
  });

  it('shows holes and trailing padding as such', async () => {
    const x64 = (await runCli(['layout', 'WSAQUERYSETW', '--arch', 'x64'])).stdout;
    expect(x64.match(/XXX 4 bytes hole/g)).toHaveLength(5);
    const nsClass = (await runCli(['layout', 'WSANSCLASSINFOW', '--arch', 'x64'])).stdout;
    expect(nsClass).toMatch(/XXX 4 bytes hole/);
    const cs = (await runCli(['layout', 'SOCKET_ADDRESS', '--arch', 'x64'])).stdout;
    expect(cs).toMatch(/4 bytes of trailing padding/);
  });

  it('--list lists every structure', async () => {
    const r = await runCli(['layout', '--list']);
    expect(r.stdout.trim().split('\n')).toEqual([...PUBLIC_STRUCTS]);
  });

  it('an unknown structure or arch exits 2 with one line listing the choices', async () => {
    const s = await runCli(['layout', 'WSAQUERYSETX', '--arch', 'x64']);
    expect(s.code).toBe(2);
    expect(s.stderr.trim().split('\n')).toHaveLength(1);
    expect(s.stderr).toContain('WSAQUERYSETW');
    const a = await runCli(['layout', 'CSADDR_INFO', '--arch', 'arm64']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/one of x86, x64\n$/);
  });
});
