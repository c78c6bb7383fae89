// Adds `extensions.sql = { statements, ms }` to each result: what the request
// ran against the database (installed only when FOUNDRY_SQL_STATS is on; the
// request's view of the database counts them, see Store.forRequest).
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context';

/** No options: the counts come from the request's context. */
export function useSqlStats(): Plugin<Context> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        const stats = args.contextValue.sqlStats;
        if (!stats || Symbol.asyncIterator in result) return;
        setResult({
          ...result,
          extensions: { ...result.extensions, sql: { statements: stats.statements, ms: Number(stats.ms.toFixed(3)) } },
        });
      },
    }),
  };
}
