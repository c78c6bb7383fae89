// The contract's error codes as typed errors, and the one place that maps
// anything else to INTERNAL_SERVER_ERROR without leaking its message.
import { GraphQLError, type GraphQLErrorExtensions } from 'graphql';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'QUOTA_EXCEEDED'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

declare module 'graphql' {
  /** What this gateway puts in an error's extensions (Yoga adds `http`). */
  interface GraphQLErrorExtensions {
    /** One of the contract's ErrorCode values once an error leaves; other libraries' codes until withContractCode replaces them. */
    code?: string;
    /** The input field a BAD_USER_INPUT names (`input.name`). */
    field?: string;
    /** On INTERNAL_SERVER_ERROR: the request id the fault was logged under. */
    requestId?: string;
    /** On RATE_LIMITED: whole seconds to wait before trying again. */
    retryAfterSeconds?: number;
    /** On QUOTA_EXCEEDED from a budget: the first budget the batch would pass, and all of them. */
    budget?: unknown;
    budgets?: unknown;
  }
}

export class ContractError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extensions: GraphQLErrorExtensions = {},
  ) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export class UnauthenticatedError extends ContractError {
  constructor(
    message = 'Authentication required: send a valid token as "Authorization: Bearer <token>".',
    http?: { status: number; headers?: Record<string, string> },
  ) {
    super('UNAUTHENTICATED', message, http ? { http } : {});
  }
}

export class ForbiddenError extends ContractError {
  constructor(message = 'Not allowed.') {
    super('FORBIDDEN', message);
  }
}

export class NotFoundError extends ContractError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found.`);
  }
}

export class BadUserInputError extends ContractError {
  constructor(message: string, field?: string) {
    super('BAD_USER_INPUT', message, field ? { field } : {});
  }
}

type InputIssue = { readonly message: string; readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined };

/**
 * The first problem the validation plugin found in the arguments, as
 * BAD_USER_INPUT naming the field by its path from the argument
 * (`input.records.3.promptTokens`), in the message and in `extensions.field`.
 */
export function invalidInputError(issues: readonly InputIssue[]): BadUserInputError {
  const issue = issues[0];
  const field = (issue?.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
  return new BadUserInputError(`${field}: ${issue?.message ?? 'invalid'}`, field);
}

export class ConflictError extends ContractError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class QuotaExceededError extends ContractError {
  constructor(message: string, extensions: GraphQLErrorExtensions = {}) {
    super('QUOTA_EXCEEDED', message, extensions);
  }
}

/** Too many requests or failed logins: 429 with Retry-After, and the same wait in `extensions.retryAfterSeconds`. */
export class RateLimitedError extends ContractError {
  constructor(message: string, retryAfterMs: number) {
    const retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    super('RATE_LIMITED', message, { retryAfterSeconds, http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } } });
  }
}

/**
 * Whether a value is a GraphQLError. Structural, because graphql ships both
 * an ESM and a CommonJS build and libraries may load either one, so an
 * `instanceof` check against our import can miss errors made by the other.
 */
export function isGraphQLError(value: unknown): value is GraphQLError {
  return (
    value instanceof Error && (value instanceof GraphQLError || (value.name === 'GraphQLError' && 'extensions' in value && 'path' in value))
  );
}

const KNOWN_CODES = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'QUOTA_EXCEEDED',
  'RATE_LIMITED',
]);

export function isContractCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && KNOWN_CODES.has(code);
}

/**
 * Whether an error may reach the client as it is: our own errors, and
 * GraphQL's own errors about the request (parsing, validation, variable
 * coercion), which have no path. An error raised while executing a field
 * (it has a path) without a contract code is a fault of ours and is masked.
 */
export function isSafeError(error: GraphQLError): boolean {
  if (isContractCode(error.extensions?.code)) return true;
  if (error.path !== undefined) return false;
  return error.originalError === undefined || error.originalError === null || isGraphQLError(error.originalError);
}

/** The contract code an HTTP status means (BAD_USER_INPUT for any other refusal of the request). */
export function codeOfStatus(status: number | undefined): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  return status !== undefined && status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_USER_INPUT';
}

/**
 * Gives GraphQL's own errors about the request (parse, validation, variable
 * coercion) the contract's BAD_USER_INPUT code. Written into the error's own
 * extensions, as Yoga does with its codes (it only fills a missing code).
 */
export function withContractCode(error: GraphQLError): GraphQLError {
  const { extensions } = error;
  if (isContractCode(extensions?.code)) return error;
  // A refusal of the request itself (Yoga's and its plugins', e.g. a missing CSRF header) keeps what its status means.
  const code = codeOfStatus((extensions?.http as { status?: number } | undefined)?.status);
  if (extensions && Object.isExtensible(extensions)) {
    extensions.code = code;
    return error;
  }
  // An error without writable extensions (graphql-jit's variable errors have none): a copy with the code.
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...extensions, code },
  });
}

export function internalError(error: GraphQLError, requestId: string | undefined): GraphQLError {
  return new GraphQLError('Internal server error.', {
    nodes: error.nodes,
    path: error.path,
    extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
  });
}
