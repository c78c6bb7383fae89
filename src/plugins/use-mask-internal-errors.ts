// Masks the faults of execution (errors without a contract code) where the
// request is known: noted on its record, so that the request's one log line
// carries them with its id, and answered as INTERNAL_SERVER_ERROR carrying
// that id. Yoga's own masking (maskError in src/server.ts) stays as the net
// for errors outside execution, logged on a line of their own.
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { LoggedFault } from '../requestRecord';
import type { Context } from '../schema/context';
import { internalError, isGraphQLError, isSafeError, withContractCode } from '../schema/errors';

/** What is kept of a fault about to be masked: its type and message, never a stack or the SQL's values. */
export function describeFault(error: GraphQLError | unknown): LoggedFault {
  const cause = isGraphQLError(error) ? (error.originalError ?? error) : error;
  return cause instanceof Error ? { type: cause.name, message: cause.message } : { type: typeof cause };
}

/** Logs a fault outside any request's execution, with the request id when there is one. */
export function logInternalError(logger: Logger, requestId: string | undefined, error: GraphQLError | unknown): void {
  logger.error({ requestId, err: describeFault(error) }, 'internal error');
}

/** No options: the faults go on the request's record (src/requestRecord.ts), logged on its line. */
export function useMaskInternalErrors(): Plugin<Context> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        if (Symbol.asyncIterator in result || !result.errors?.some((error) => !isSafeError(error))) return;
        const { requestId, record } = args.contextValue;
        const errors = result.errors.map((error) => {
          if (isSafeError(error)) return withContractCode(error);
          record.faults ??= [];
          record.faults.push(describeFault(error));
          return internalError(error, requestId);
        });
        setResult({ ...result, errors });
      },
    }),
  };
}
