import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SapAdvertisement, type SapClock, SapProvider, WinsockRegistry } from '../../src/service/index.js';
import { querySet, tcp } from './helpers.js';

const REGISTER = 0;
const DEREGISTER = 1;
const DELETE = 2;
const MULTIPLE = 1;
const NS_SAP = 1;

/** A clock whose time moves only when the test says so. */
class ManualClock implements SapClock {
  time = 0;
  private timers = new Map<number, { callback: () => void; every: number; next: number }>();
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setInterval(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { callback, every: ms, next: this.time + ms });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.values()].filter((t) => t.next <= end).sort((a, b) => a.next - b.next)[0];
      if (!due) break;
      this.time = due.next;
      due.next += due.every;
      due.callback();
    }
    this.time = end;
  }
  get pending(): number {
    return this.timers.size;
  }
}

let clock: ManualClock;
let sent: SapAdvertisement[];
let registry: WinsockRegistry;
const sap = (addresses = [tcp(1), tcp(2)]) => querySet(addresses, { dwNameSpace: NS_SAP });
const times = () => sent.map((a) => [a.at, a.addresses.length]);

beforeEach(() => {
  clock = new ManualClock();
  sent = [];
  registry = new WinsockRegistry({ sap: { clock, sink: (a) => sent.push(a), intervalMs: 1000 } });
  registry.startup();
});
afterEach(() => {
  while (registry.started) registry.cleanup();
});

describe('SAP (NS_SAP): REGISTER starts periodic advertisement, DEREGISTER stops it', () => {
  it('broadcasts at once and then every interval, with the addresses held at that moment', () => {
    registry.setServiceTyped(sap(), REGISTER, 0);
    clock.advance(2500);
    expect(times()).toEqual([
      [0, 2],
      [1000, 2],
      [2000, 2],
    ]);
    expect(sent[0]).toMatchObject({ instanceName: 'Printer', addresses: [tcp(1), tcp(2)] });
    // DEREGISTER | SERVICE_MULTIPLE of one address: the other is still advertised.
    const r = registry.setServiceTyped(sap([tcp(1)]), DEREGISTER, MULTIPLE);
    expect(r.providers[0]!.outcome).toMatchObject({ advertising: true, state: 'REGISTERED' });
    clock.advance(1000);
    expect(sent.at(-1)!.addresses).toEqual([tcp(2)]);
    // The last address goes: the broadcasts stop, the service is DEREGISTERED.
    expect(registry.setServiceTyped(sap([tcp(2)]), DEREGISTER, MULTIPLE).providers[0]!.outcome).toMatchObject({
      advertising: false,
      state: 'DEREGISTERED',
    });
    const count = sent.length;
    clock.advance(10_000);
    expect(sent).toHaveLength(count);
    expect(clock.pending).toBe(0);
  });

  it('DEREGISTER stops, REGISTER starts again; DELETE stops', () => {
    registry.setServiceTyped(sap(), REGISTER, 0);
    registry.setServiceTyped(sap(), DEREGISTER, 0);
    clock.advance(5000);
    expect(times()).toEqual([[0, 2]]);
    registry.setServiceTyped(sap([tcp(3)]), REGISTER, MULTIPLE);
    clock.advance(1000);
    expect(times()).toEqual([
      [0, 2],
      [5000, 1],
      [6000, 1],
    ]);
    registry.setServiceTyped(sap(), DELETE, 0);
    clock.advance(5000);
    expect(sent).toHaveLength(3);
    expect(clock.pending).toBe(0);
  });

  it('the last cleanup ends every advertisement (they live as long as the process)', () => {
    registry.setServiceTyped(sap(), REGISTER, 0);
    registry.setServiceTyped(
      querySet([tcp(9)], { dwNameSpace: NS_SAP, lpszServiceInstanceName: 'Other' }),
      REGISTER,
      0,
    );
    expect(clock.pending).toBe(2);
    registry.cleanup();
    expect(clock.pending).toBe(0);
    expect(registry.builtins.sap!.list()).toEqual([]);
  });

  it('a failed call changes nothing it was advertising', () => {
    registry.setServiceTyped(sap(), REGISTER, 0);
    registry.principal = 'bob';
    expect(registry.setService(sap(), DELETE, 0)).toBe(-1);
    clock.advance(1000);
    expect(sent.at(-1)!.addresses).toEqual([tcp(1), tcp(2)]);
  });

  it('advertises every 60 s by default', () => {
    expect(new SapProvider().intervalMs).toBe(60_000);
  });
});
