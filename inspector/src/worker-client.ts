import type { Request, Response } from './protocol.js';

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * The page's side of the worker: requests with ids, answers as promises,
 * intermediate messages (progress) to a callback. `terminate` is how a scan
 * is cancelled: the worker is busy in synchronous code and would not read a
 * cancel message until it is done.
 */
export class WorkerClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: Response) => void; reject: (e: Error) => void; onEvent?: (r: Response) => void }
  >();

  constructor() {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<Response>) => {
      const r = event.data;
      const waiting = this.pending.get(r.id);
      if (!waiting) return;
      if (r.type === 'progress' || r.type === 'inflating') {
        waiting.onEvent?.(r);
        return;
      }
      this.pending.delete(r.id);
      if (r.type === 'error') waiting.reject(new Error(r.message));
      else waiting.resolve(r);
    };
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.failAll(new Error(`rnrkit: internal error (please report): the worker stopped: ${event.message}`));
    };
  }

  request<T extends Response['type']>(
    body: Body<Request>,
    onEvent?: (r: Response) => void,
  ): Promise<Extract<Response, { type: T }>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: Response) => void, reject, ...(onEvent ? { onEvent } : {}) });
      this.worker.postMessage({ ...body, id } as Request);
    });
  }

  terminate(reason: string): void {
    this.worker.terminate();
    this.failAll(new Cancelled(reason));
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}

export class Cancelled extends Error {
  override name = 'Cancelled';
}
