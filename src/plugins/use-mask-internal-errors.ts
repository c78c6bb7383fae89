// Masks the faults of execution (errors without a contract code) where the
// request is known: logged with its request id, answered as
// INTERNAL_SERVER_ERROR carrying that id. Yoga's own masking (maskError in
// src/server.ts) stays as the net for errors outside execution.
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Context } from '../schema/context';
import { internalError, isGraphQLError, isSafeError, withContractCode } from '../schema/errors';

export type MaskInternalErrorsOptions = {
  /** Where a masked fault is logged: its type and message with the request id, never a stack or the SQL's values. */
  logger: Logger;
};

/** Logs a fault that is about to be masked. */
export function logInternalError(logger: Logger, requestId: string | undefined, error: GraphQLError | unknown): void {
  const cause = isGraphQLError(error) ? (error.originalError ?? error) : error;
  logger.error(
    { requestId, err: cause instanceof Error ? { type: cause.name, message: cause.message } : { type: typeof cause } },
    'internal error',
  );
}

export function useMaskInternalErrors({ logger }: MaskInternalErrorsOptions): Plugin<Context> {
  return {
    onExecute: ({ args }) => ({
      onExecuteDone: ({ result, setResult }) => {
        if (Symbol.asyncIterator in result || !result.errors?.some((error) => !isSafeError(error))) return;
        const { requestId } = args.contextValue;
        const errors = result.errors.map((error) => {
          if (isSafeError(error)) return withContractCode(error);
          logInternalError(logger, requestId, error);
          return internalError(error, requestId);
        });
        setResult({ ...result, errors });
      },
    }),
  };
}
