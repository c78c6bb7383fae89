// Gives parse and validation errors the contract's BAD_USER_INPUT code.
// Yoga tags them with codes of its own by writing into the same error's
// extensions, so this writes there too (whichever hook runs last, the
// contract's code stands: Yoga only fills a code that is missing).
import type { Plugin } from 'graphql-yoga';
import { isGraphQLError, withContractCode } from '../schema/errors';

function markBadInput(error: unknown): void {
  if (isGraphQLError(error)) withContractCode(error);
}

/** No options: the codes are the contract's (src/schema/errors.ts). */
export function useContractErrorCodes(): Plugin {
  return {
    onParse:
      () =>
      ({ result }) =>
        markBadInput(result),
    onValidate:
      () =>
      ({ result }) =>
        result.forEach(markBadInput),
  };
}
