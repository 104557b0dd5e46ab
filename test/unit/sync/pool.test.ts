import { describe, expect, it } from 'vitest';
import { runInOrder } from '../../../src/main/sync/pool';

const tick = () => new Promise((r) => setImmediate(r));

describe('sync: the push pool', () => {
  it('starts no object before its chunk is marked in flight, keeps at most the limit out, and keeps the order', async () => {
    const items = Array.from({ length: 23 }, (_, i) => i);
    const marked = new Set<number>();
    const started: number[] = [];
    let out = 0;
    let peak = 0;
    await runInOrder(
      items,
      {
        limit: 3,
        chunk: 5,
        mark: async (part) => {
          await tick();
          for (const i of part) marked.add(i);
        },
        stopped: () => false,
      },
      async (i) => {
        expect(marked.has(i)).toBe(true);
        started.push(i);
        peak = Math.max(peak, ++out);
        await tick();
        out--;
      },
    );
    expect(started).toEqual(items);
    expect(peak).toBe(3);
    expect(marked.size).toBe(23);
  });

  it('stops taking objects once stopped, and returns only after every mark it began has settled', async () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const begun: number[][] = [];
    const settled: number[][] = [];
    const started: number[] = [];
    await runInOrder(
      items,
      {
        limit: 2,
        chunk: 4,
        mark: async (part) => {
          begun.push(part);
          await tick();
          await tick();
          settled.push(part);
        },
        stopped: () => started.length >= 6,
      },
      async (i) => {
        started.push(i);
        await tick();
      },
    );
    expect(started.length).toBeLessThanOrEqual(7);
    // Marked ahead: at most the chunk being sent and the next one, and every mark is done.
    expect(settled.length).toBeLessThanOrEqual(3);
    expect(settled).toHaveLength(begun.length);
    expect(settled.flat()).toEqual(items.slice(0, settled.length * 4));
  });

  it('a failing mark fails the pool without an unhandled rejection', async () => {
    await expect(
      runInOrder([1, 2, 3], { limit: 2, chunk: 2, mark: async () => Promise.reject(new Error('store down')), stopped: () => false }, async () => undefined),
    ).rejects.toThrow('store down');
  });
});
