// Limits on what one request may ask for, so that no single query can make
// the gateway walk the whole database: depth, aliases and tokens
// (graphql-armor's envelop plugins). A refused document is BAD_USER_INPUT.

import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { Plugin } from 'graphql-yoga';

// graphql-armor's cost rule grows exponentially with depth and knows nothing of
// page sizes, so it refuses ordinary connection queries; pages are bounded by
// first ≤ 100 instead, and depth bounds how many levels multiply.
export const QUERY_LIMITS = { depth: 20, aliases: 50, tokens: 10_000 } as const;

export type QueryLimitsOptions = {
  /** In production, GraphQL's "Did you mean …?" suggestions are blocked too. */
  production: boolean;
};

/** Several envelop plugins, one concern: spread them into Yoga's list. */
export function useQueryLimits({ production }: QueryLimitsOptions): Plugin[] {
  const plugins = [
    maxDepthPlugin({ n: QUERY_LIMITS.depth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesPlugin({ n: QUERY_LIMITS.aliases }),
    maxTokensPlugin({ n: QUERY_LIMITS.tokens }),
  ] as Plugin[];
  // "Did you mean …?" hints help in GraphiQL but map the schema for a stranger.
  if (production) plugins.push(blockFieldSuggestionsPlugin() as Plugin);
  return plugins;
}
