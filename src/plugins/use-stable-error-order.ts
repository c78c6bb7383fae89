// Errors in the order of their paths. Nested lists load level by level and a
// level may wait for the next turn of the event loop (batchSchedule.ts), so
// the order errors happen in depends on timing; the answer must not.
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context';

type Path = readonly (string | number)[] | undefined;

function comparePaths(a: Path, b: Path): number {
  if (!a || !b) return (a ? 1 : 0) - (b ? 1 : 0);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i] as string | number, b[i] as string | number];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

/** No options: errors without a path (about the request) come first, then by path. */
export function useStableErrorOrder(): Plugin<Context> {
  return {
    onExecute: () => ({
      onExecuteDone: ({ result, setResult }) => {
        if (Symbol.asyncIterator in result || !result.errors || result.errors.length < 2) return;
        setResult({ ...result, errors: [...result.errors].sort((a, b) => comparePaths(a.path, b.path)) });
      },
    }),
  };
}
