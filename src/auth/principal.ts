// Who is making a request, resolved once per request from its bearer token.
import { Grants } from './grants';

export type PrincipalKind = 'USER' | 'API_KEY' | 'SERVICE';

export type Principal = {
  kind: PrincipalKind;
  /** The user's id for a login token; the API key's id for a key. */
  id: string;
  name: string;
  /** The user the principal acts as: the logged-in user, or the user an API key belongs to. */
  userId: string | null;
  apiKeyId: string | null;
  /** The login token's id, so that logout can revoke exactly it. */
  loginTokenId: string | null;
  /** An API key's role (what RATE_LIMITS names); null for a login token, whose user may hold several. */
  apiKeyRoleId: string | null;
  grants: Grants;
  /** Holds the platform_owner role platform-wide: the only principal that may grant platform and service roles. */
  isPlatformOwner: boolean;
};

/**
 * Who reads when no one is authenticated: it holds no permission and owns no
 * row, so the policy shows it nothing (test/policy.test.ts checks so).
 */
export const NOBODY: Principal = Object.freeze({
  kind: 'API_KEY',
  id: '',
  name: 'nobody',
  userId: null,
  apiKeyId: null,
  loginTokenId: null,
  apiKeyRoleId: null,
  grants: Grants.from([]),
  isPlatformOwner: false,
});
