// The authentication gate: without a valid token a request may only log in
// (and, outside production, introspect); everything else, subscriptions too, is UNAUTHENTICATED.
import { getOperationAST, Kind, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../schema/context';
import { UnauthenticatedError } from '../schema/errors';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type', '__typename']);

function onlyFields(selectionSet: SelectionSetNode, allowed: (name: string) => boolean): boolean {
  return selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && allowed(selection.name.value));
}

export type AuthenticationGateOptions = {
  /** In production a request without a principal may not introspect either. */
  production: boolean;
};

export function useAuthenticationGate({ production }: AuthenticationGateOptions): Plugin<Context> {
  const refusal = () => ({ errors: [new UnauthenticatedError(undefined, { status: 401, headers: { 'www-authenticate': 'Bearer' } })] });
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      if (args.contextValue.principal) return;
      const operation = getOperationAST(args.document, args.operationName);
      const allowed =
        operation != null &&
        ((operation.operation === 'mutation' && onlyFields(operation.selectionSet, (name) => name === 'login' || name === '__typename')) ||
          (operation.operation === 'query' && !production && onlyFields(operation.selectionSet, (name) => INTROSPECTION_FIELDS.has(name))));
      if (!allowed) setResultAndStopExecution(refusal());
    },
    // Subscriptions run through subscribe, not execute: none without a principal.
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      if (!args.contextValue.principal) setResultAndStopExecution(refusal());
    },
  };
}
