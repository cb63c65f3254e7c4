import { describe, expect, it } from 'vitest';
import { freshRegistry, querySet, tcp, winsockError } from './helpers.js';

const NS_ALL = 0;
const NS_DNS = 12;
const REGISTER = 0;
const DELETE = 2;

describe('several providers in scope: a no-op is not the operation done', () => {
  const env = freshRegistry();

  it('DELETE through NS_ALL of an object another principal owns is WSAEACCES, and the object stays', () => {
    env.registry.principal = 'bob';
    expect(env.registry.setService(querySet([tcp(1)]), REGISTER, 0)).toBe(0);
    env.registry.principal = 'alice';
    const e = winsockError(() => env.registry.setServiceTyped(querySet(null, { dwNameSpace: NS_ALL }), DELETE, 0));
    expect(e.name).toBe('WSAEACCES');
    expect(e.message).toMatch(/rnrkit DNS: did nothing \(no-op\)/);
    const answers = e.providers as { name: string; result: number; error?: string; outcome?: { noop?: boolean } }[];
    expect(answers.find((p) => p.name === 'rnrkit DNS')).toMatchObject({ result: 0, outcome: { noop: true } });
    expect(answers.find((p) => p.name.startsWith('rnrkit Directory'))).toMatchObject({
      result: -1,
      error: 'WSAEACCES',
    });
    expect(env.store.list()).toMatchObject([{ owner: 'bob', lpcsaBuffer: [tcp(1)] }]);
    // Winsock-shaped: SOCKET_ERROR and WSAEACCES (10013).
    expect(env.registry.setService(querySet(null, { dwNameSpace: NS_ALL }), DELETE, 0)).toBe(-1);
    expect(env.registry.getLastError()).toBe(10013);
  });

  it('DELETE through NS_ALL of an object nobody registered fails, the Directory saying WSASERVICE_NOT_FOUND', () => {
    const e = winsockError(() =>
      env.registry.setServiceTyped(
        querySet(null, { dwNameSpace: NS_ALL, lpszServiceInstanceName: 'Nowhere' }),
        DELETE,
        0,
      ),
    );
    const answers = e.providers as { name: string; error?: string }[];
    expect(answers.find((p) => p.name.startsWith('rnrkit Directory'))?.error).toBe('WSASERVICE_NOT_FOUND');
  });

  it('a provider that did the operation makes the call succeed, no-ops beside it or not', () => {
    const r = env.registry.setServiceTyped(querySet([tcp(1)], { dwNameSpace: NS_ALL }), REGISTER, 0);
    expect(r.result).toBe(0);
    expect(r.providers.find((p) => p.name === 'rnrkit DNS')?.outcome).toEqual({ noop: true });
    expect(env.registry.setService(querySet(null, { dwNameSpace: NS_ALL }), DELETE, 0)).toBe(0);
    expect(env.store.list()).toEqual([]);
  });

  it('a scope of no-op providers only succeeds, as the docs say of DNS', () => {
    expect(
      env.registry.setServiceTyped(querySet([tcp(1)], { dwNameSpace: NS_DNS }), REGISTER, 0).providers,
    ).toMatchObject([{ result: 0, outcome: { noop: true } }]);
    expect(env.registry.setService(querySet(null, { dwNameSpace: NS_DNS }), DELETE, 0)).toBe(0);
  });
});
