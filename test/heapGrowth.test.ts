// FOUNDRY_HEAP_GROWING_PERCENT: how far V8's old generation may grow past what the last full collection kept
// (src/main.ts hands it to V8 at start). Its effect on peak RSS is measured by the load benchmark, not here.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('FOUNDRY_HEAP_GROWING_PERCENT', () => {
  it('is 50 unless set, and 0 leaves the growth to V8', () => {
    expect(loadConfig({}).heapGrowingPercent).toBe(50);
    expect(loadConfig({ FOUNDRY_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(loadConfig({ FOUNDRY_HEAP_GROWING_PERCENT: '300' }).heapGrowingPercent).toBe(300);
  });

  it.each(['-1', '301', '12.5', 'half'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ FOUNDRY_HEAP_GROWING_PERCENT: value })).toThrow(ConfigError);
    expect(() => loadConfig({ FOUNDRY_HEAP_GROWING_PERCENT: value })).toThrow(/FOUNDRY_HEAP_GROWING_PERCENT/);
  });
});
