// Queries and mutations run as compiled functions (graphql-jit, compiled once
// per document and cached with Yoga's parsed documents). Subscriptions stay
// on graphql-js: graphql-jit 0.8 hands a field's subscribe function the
// operation's variables instead of the field's arguments (graphql-jit#183).
import { useGraphQlJit } from '@envelop/graphql-jit';
import type { Plugin } from 'graphql-yoga';

/** No options: graphql-jit's defaults. */
export function useJitExecution(): Plugin {
  const { onSubscribe: _notForSubscriptions, ...executeOnly } = useGraphQlJit() as Plugin;
  return executeOnly;
}
