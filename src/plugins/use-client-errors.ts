// Every error leaving the gateway, whatever produced it (parsing, variable
// coercion, validation, resolvers, Yoga's request parsers, subscription
// events), passes through clientError (src/schema/clientErrors.ts): no
// submitted value in the message, capped in length, no originalError.
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import { clientError } from '../schema/clientErrors';
import { isGraphQLError } from '../schema/errors';

function cleaned<Result extends ExecutionResult>(result: Result): Result {
  if (!result?.errors?.length) return result;
  return { ...result, errors: result.errors.map((error) => (isGraphQLError(error) ? clientError(error) : error)) };
}

/** No options: the rules are clientErrors.ts'. Runs as the result is turned into a response, so it sees every result. */
export function useClientErrors(): Plugin {
  return {
    onResultProcess: ({ result, setResult }) => {
      if (isAsyncIterable(result)) setResult(mapAsyncIterator(result, cleaned));
      else if (Array.isArray(result)) setResult(result.map(cleaned));
      else setResult(cleaned(result));
    },
  };
}
