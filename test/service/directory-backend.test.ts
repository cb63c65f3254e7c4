import { describe, expect, it } from 'vitest';
import type { DirectoryRecord } from '../../src/service/index.js';
import { CLASS_ID, freshRegistry, querySet, tcp } from './helpers.js';

const OTHER_CLASS = '{00000000-0000-0000-0000-0000000000AB}';

async function collect(iterable: AsyncIterable<DirectoryRecord>): Promise<DirectoryRecord[]> {
  const out: DirectoryRecord[] = [];
  for await (const record of iterable) out.push(record);
  return out;
}

describe('the SQLite Directory backend: readers', () => {
  const env = freshRegistry();

  it('findObjects narrows by class, name (as Windows compares it) and context (exactly), and carries comment and version', async () => {
    const version = { dwVersion: 7, ecHow: 2 };
    env.registry.setServiceTyped(querySet([tcp(1)], { lpszComment: 'first floor', lpVersion: version }), 0, 0);
    env.registry.setServiceTyped(querySet([tcp(2)], { lpszContext: 'Site1' }), 0, 0);
    env.registry.setServiceTyped(querySet([tcp(3)], { lpServiceClassId: OTHER_CLASS }), 0, 0);
    env.registry.setServiceTyped(querySet([tcp(4)], { lpszServiceInstanceName: 'straße' }), 0, 0);
    const backend = env.registry.directoryBackend!;
    expect(backend.kind).toBe('sqlite');
    const all = await collect(backend.findObjects());
    expect(all).toHaveLength(4);
    expect(all[0]).toMatchObject({
      lpszComment: 'first floor',
      lpVersion: version,
      lpcsaBuffer: [tcp(1)],
      owner: 'alice',
      state: 'REGISTERED',
    });
    const byName = await collect(
      backend.findObjects({ instanceName: 'PRINTER', serviceClassId: CLASS_ID.toLowerCase() }),
    );
    expect(byName.map((r) => r.lpszContext)).toEqual([null, 'Site1']);
    expect(
      await collect(backend.findObjects({ instanceName: 'printer', context: null, serviceClassId: CLASS_ID })),
    ).toHaveLength(1);
    expect(await collect(backend.findObjects({ context: 'site1' }))).toHaveLength(0);
    // ß has no one-unit upper case: Windows keeps it, so STRASSE is another name.
    expect(await collect(backend.findObjects({ instanceName: 'STRASSE' }))).toHaveLength(0);
    expect(await collect(backend.findObjects({ instanceName: 'STRAßE' }))).toHaveLength(1);
    expect(await backend.list()).toEqual(env.registry.list());
  });

  it('pages through more objects than one page holds, in creation order, and sees writes made between pages', async () => {
    env.registry.batch(() => {
      for (let i = 0; i < 600; i++)
        env.registry.setServiceTyped(querySet([tcp(1)], { lpszServiceInstanceName: `svc${i}` }), 0, 0);
    });
    const seen: string[] = [];
    for await (const record of env.registry.directoryBackend!.findObjects()) {
      seen.push(record.lpszServiceInstanceName!);
      // No lock is held while the caller works: a write in the middle of the walk goes through.
      if (seen.length === 300)
        env.registry.setServiceTyped(querySet([tcp(1)], { lpszServiceInstanceName: 'late' }), 0, 0);
    }
    expect(seen).toHaveLength(601);
    expect(seen.slice(0, 3)).toEqual(['svc0', 'svc1', 'svc2']);
    expect(seen.at(-1)).toBe('late');
  });

  it("the async forms of WSASetService give the sync forms' results on the embedded store", async () => {
    expect(await env.registry.setServiceAsync(querySet([tcp(1)]), 1, 0)).toBe(-1);
    expect(env.registry.getLastError()).toBe(10108);
    const r = await env.registry.setServiceTypedAsync(querySet([tcp(1)]), 0, 1);
    expect(r.providers[0]!.outcome).toMatchObject({ object: 'created', addressCount: 1 });
    expect(await env.registry.listAsync()).toEqual(env.registry.list());
  });
});
