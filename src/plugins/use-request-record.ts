// Notes on each request's record (src/requestRecord.ts) what its log line
// and metrics tell: that it is a GraphQL request, the operation executed, and
// its outcome — OK or the code of the first error of the answer as sent.

import type { IncomingMessage } from 'node:http';
import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestRecord } from '../requestRecord';
import type { Context } from '../schema/context';
import { isContractCode } from '../schema/errors';

export type RequestRecordOptions = {
  /** The record the HTTP handler made for this request (undefined for a request it did not see). */
  recordOf: (req: IncomingMessage) => RequestRecord | undefined;
};

/** A code the metrics may use as a label: the contract's codes, else OTHER (never a client's text). */
function outcomeCode(code: unknown): string {
  return isContractCode(code) || code === 'INTERNAL_SERVER_ERROR' ? code : 'OTHER';
}

function noteErrors(record: RequestRecord, results: readonly ExecutionResult[]): void {
  let codes: string[] | null = null;
  for (const result of results) {
    for (const error of result.errors ?? []) {
      codes ??= [];
      codes.push(outcomeCode(error.extensions?.code));
    }
  }
  record.errorCodes = codes;
  record.outcome = codes?.[0] ?? 'OK';
}

export function useRequestRecord({ recordOf }: RequestRecordOptions): Plugin<Context, { req: IncomingMessage }> {
  const nameOperation = ({
    args,
  }: {
    args: { contextValue: Context; document: Parameters<typeof getOperationAST>[0]; operationName?: string | null | undefined };
  }) => {
    args.contextValue.record.operation = getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous';
  };
  return {
    onParams: ({ context }) => {
      const record = recordOf(context.req);
      if (record) record.graphql = true;
    },
    onExecute: nameOperation,
    onSubscribe: nameOperation,
    onResultProcess: ({ result, serverContext }) => {
      const record = recordOf(serverContext.req);
      // A subscription's stream has no single answer: its outcome is that it started.
      if (!record || Symbol.asyncIterator in result) return;
      noteErrors(record, Array.isArray(result) ? result : [result]);
    },
  };
}
