// Gives parse and validation errors the contract's BAD_USER_INPUT code.
// Yoga tags them with codes of its own by writing into the same error's
// extensions, so this writes there too (whichever hook runs last, the
// contract's code stands: Yoga only fills a code that is missing).
import type { Plugin } from 'graphql-yoga';
import { isContractCode, isGraphQLError } from './errors';

function markBadInput(error: unknown): void {
  if (!isGraphQLError(error)) return;
  const extensions = error.extensions as Record<string, unknown>;
  if (!isContractCode(extensions.code)) extensions.code = 'BAD_USER_INPUT';
}

export function contractErrorCodes(): Plugin {
  return {
    onParse: () => ({ result }) => markBadInput(result),
    onValidate: () => ({ result }) => result.forEach(markBadInput),
  };
}
