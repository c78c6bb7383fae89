// A record's cost: each kind of tokens at its price per 1,000, summed, rounded half up once. Computed in doubles
// where that is exact and in bigints past it; both must give the exact answer, which bigints give everywhere.
import { describe, expect, it } from 'vitest';
import { costOf, type ModelPrice, type TokenCounts } from '../src/modules/usage/repo';

const price = (prompt: bigint, cachedPrompt: bigint, completion: bigint, reasoning: bigint): ModelPrice => ({
  provider: 'p',
  model: 'm',
  effective_from: '2026-01-01T00:00:00.000Z',
  prompt: String(prompt),
  cached_prompt: String(cachedPrompt),
  completion: String(completion),
  reasoning: String(reasoning),
  updated_at: '2026-01-01T00:00:00.000Z',
});

function exact(p: ModelPrice, t: TokenCounts): bigint {
  const thousandths =
    BigInt(t.prompt) * BigInt(p.prompt) +
    BigInt(t.cachedPrompt) * BigInt(p.cached_prompt) +
    BigInt(t.completion) * BigInt(p.completion) +
    BigInt(t.reasoning) * BigInt(p.reasoning);
  return (thousandths + 500n) / 1000n;
}

/** A seeded generator (mulberry32), so that a failure can be run again. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('costOf', () => {
  it('rounds half up once, on the sum', () => {
    expect(costOf(price(1n, 0n, 0n, 0n), { prompt: 500, cachedPrompt: 0, completion: 0, reasoning: 0 })).toBe(1n);
    expect(costOf(price(1n, 0n, 0n, 0n), { prompt: 499, cachedPrompt: 0, completion: 0, reasoning: 0 })).toBe(0n);
    expect(costOf(price(1n, 1n, 0n, 0n), { prompt: 250, cachedPrompt: 250, completion: 0, reasoning: 0 })).toBe(1n);
  });

  it('is exact on both sides of 2^53 thousandths', () => {
    const limit = 2n ** 53n;
    for (const thousandths of [limit - 501n, limit - 500n, limit - 499n, limit, limit + 1n, limit * 1000n + 499n]) {
      const p = price(thousandths, 0n, 0n, 0n);
      const t = { prompt: 1, cachedPrompt: 0, completion: 0, reasoning: 0 };
      expect(costOf(p, t), String(thousandths)).toBe(exact(p, t));
    }
  });

  it('agrees with bigint arithmetic over random prices and counts of every size', () => {
    const next = random(20261127);
    const any = (digits: number) => BigInt(Math.floor(next() * 10 ** Math.ceil(next() * digits)));
    for (let i = 0; i < 20_000; i++) {
      const p = price(any(12), any(12), any(12), any(12));
      const t = { prompt: Number(any(9)), cachedPrompt: Number(any(9)), completion: Number(any(9)), reasoning: Number(any(9)) };
      expect(costOf(p, t)).toBe(exact(p, t));
    }
  });
});
