// Refuses documents nested too deep before they are parsed. graphql-js parses
// selection sets, list and object literals and argument lists by recursion, so
// a document nested a few thousand brackets deep overflows the stack inside
// the parser, before the depth rule (use-query-limits.ts) ever sees it. A
// linear scan of the text counting open brackets, outside strings and
// comments, costs less than the parse it guards.
import type { Plugin } from 'graphql-yoga';
import { BadUserInputError } from '../schema/errors';

export type NestingLimitOptions = {
  /**
   * The most brackets (`{`, `[`, `(`) open at once. The depth rule allows 20
   * levels of fields; arguments, input objects, lists and inline fragments
   * add a few brackets per level, so the default leaves ample room for any
   * document that rule accepts while staying far below what overflows.
   */
  maxNesting?: number;
};

export const DEFAULT_MAX_NESTING = 128;

const OPEN = new Set(['{', '[', '(']);
const CLOSE = new Set(['}', ']', ')']);

/** The deepest bracket nesting in a GraphQL document's text, stopping early once past `limit`. */
export function bracketNesting(source: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let i = 0;
  while (i < source.length) {
    const char = source[i] as string;
    if (char === '#') {
      while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (char === '"') {
      i = source.startsWith('"""', i) ? endOfBlockString(source, i + 3) : endOfString(source, i + 1);
      continue;
    } else if (OPEN.has(char)) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (CLOSE.has(char)) {
      depth = Math.max(0, depth - 1);
    }
    i++;
  }
  return deepest;
}

/** The index after a string's closing quote (or the end of a line or the text, where the parser will complain). */
function endOfString(source: string, from: number): number {
  let i = from;
  while (i < source.length) {
    const char = source[i];
    if (char === '\\') i += 2;
    else if (char === '"') return i + 1;
    else if (char === '\n' || char === '\r') return i;
    else i++;
  }
  return i;
}

function endOfBlockString(source: string, from: number): number {
  let i = from;
  while (i < source.length) {
    if (source.startsWith('\\"""', i)) i += 4;
    else if (source.startsWith('"""', i)) return i + 3;
    else i++;
  }
  return i;
}

/** Checks the document's text as the request's parameters arrive, before any parser runs. */
export function useNestingLimit({ maxNesting = DEFAULT_MAX_NESTING }: NestingLimitOptions = {}): Plugin {
  return {
    onParams: ({ params }) => {
      if (typeof params.query !== 'string') return;
      if (bracketNesting(params.query, maxNesting) > maxNesting) {
        throw new BadUserInputError(`Document nested too deep: at most ${maxNesting} brackets may be open at once.`);
      }
    },
  };
}
