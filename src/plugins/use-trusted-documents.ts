// Trusted documents (FOUNDRY_TRUSTED_DOCUMENTS): a principal without a platform role may run only the operations
// of the manifest, sent by hash; a platform role may still send any document. Yoga's persisted-operations plugin
// swaps the hash for its document; this decides, once the request's principal is known, who may skip the manifest.
import type { IncomingMessage } from 'node:http';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import type { Principal } from '../auth/principal';
import { documentHash } from '../config';
import { BadUserInputError, ForbiddenError, UnauthenticatedError } from '../schema/errors';

type ServerContext = { req: IncomingMessage };

export type TrustedDocumentsOptions = {
  /** Hash → document, as read from the manifest (src/config.ts); hashes without a `sha256:` prefix. */
  documents: ReadonlyMap<string, string>;
  /** The request's principal, from the same authentication the context uses (resolved once per request). */
  principalOf: (req: IncomingMessage) => Promise<Principal | null>;
};

/** The request field, besides Yoga's own, that names a document by hash: Yoga's parameter check must let it through. */
export const DOCUMENT_ID_PARAM = 'documentId';

/**
 * The hash a request names: `documentId` (graphql-codegen's client preset, GraphQL over HTTP) or
 * `extensions.persistedQuery.sha256Hash` (Apollo's form); null when it names none.
 */
function requestedHash(params: GraphQLParams & { documentId?: unknown }, request: Request): string | null {
  // Yoga's GET parser keeps only its own parameters, so a GET's documentId is read from the URL.
  const documentId = request.method === 'GET' ? new URL(request.url).searchParams.get(DOCUMENT_ID_PARAM) : params.documentId;
  if (typeof documentId === 'string' && documentId !== '') return documentHash(documentId);
  const persisted = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  if (persisted?.version === 1 && typeof persisted.sha256Hash === 'string') return documentHash(persisted.sha256Hash);
  return null;
}

function hasPlatformRole(principal: Principal): boolean {
  return principal.grants.platform.size > 0;
}

/** Two plugins, in this order: the guard, then Yoga's persisted operations. */
// biome-ignore lint/complexity/noBannedTypes: `{}` is Yoga's own default for a plugin's added context (none here).
type YogaPlugin = Plugin<{}, ServerContext>;

export function useTrustedDocuments({ documents, principalOf }: TrustedDocumentsOptions): YogaPlugin[] {
  const guard: YogaPlugin = {
    onParams: async ({ params, request, setParams, context }) => {
      if (typeof params.query !== 'string') return;
      const hash = requestedHash(params, request);
      // A document sent with a hash the manifest knows (Apollo's retry form) runs the manifest's text, not the body's.
      if (hash !== null && documents.has(hash)) {
        setParams({ ...params, query: undefined });
        return;
      }
      // A free document: authentication decides the principal first, then its roles decide.
      const principal = await principalOf(context.req);
      if (principal === null) {
        throw new UnauthenticatedError('Authentication required: without a platform role only trusted documents may be sent, by hash.', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer' },
        });
      }
      if (!hasPlatformRole(principal)) {
        throw new ForbiddenError(
          'Only trusted documents may be sent, by hash (`documentId`): this gateway runs no other document for this principal.',
        );
      }
    },
  };
  const persisted = usePersistedOperations<ServerContext>({
    // A free document that reaches this plugin was allowed by the guard.
    allowArbitraryOperations: true,
    extractPersistedOperationId: requestedHash,
    getPersistedOperation: (hash) => documents.get(hash) ?? null,
    customErrors: {
      notFound: () => new BadUserInputError('Unknown document: its hash is not in the trusted documents manifest.'),
      keyNotFound: () => new BadUserInputError('Send a document: a trusted document hash as `documentId`, or `query`.'),
    },
  });
  return [guard, persisted as YogaPlugin];
}
