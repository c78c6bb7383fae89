// Turns an Authorization header into a Principal, or null. A wrong, revoked
// or expired token all come back as null: the caller never learns which.
import type { Database } from '../db/connection';
import { isoNow } from '../db/connection';
import { apiKeyForAuthentication, touchApiKey } from '../modules/apiKeys/repo';
import { loginTokenForAuthentication } from '../modules/loginTokens/repo';
import { grantsOfUser, holdsPlatformRole, permissionCodesOfRole } from '../modules/roles/repo';
import { Grants } from './grants';
import type { ApiKeyVerificationCache } from './keyCache';
import type { Principal } from './principal';
import { parseBearerToken, sha256, verifySecret } from './tokens';

export type AuthenticationDeps = { db: Database; keyCache: ApiKeyVerificationCache };

export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? (match[1] as string) : '';
}

export async function authenticate(deps: AuthenticationDeps, token: string): Promise<Principal | null> {
  const parsed = parseBearerToken(token);
  const now = isoNow();
  if (parsed.kind === 'api_key') return authenticateApiKey(deps, token, parsed.keyId, parsed.secret, now);
  if (parsed.kind === 'login_token') return authenticateLoginToken(deps.db, token, now);
  return null;
}

async function authenticateApiKey(
  { db, keyCache }: AuthenticationDeps,
  token: string,
  keyId: string,
  secret: string,
  now: string,
): Promise<Principal | null> {
  const key = apiKeyForAuthentication(db, keyId);
  if (!key || key.revoked_at !== null || (key.expires_at !== null && key.expires_at <= now)) return null;
  if (key.user_id !== null && key.user_active !== 1) return null;
  const fingerprint = sha256(token);
  if (!keyCache.isVerified(fingerprint, key.id, key.secret_hash)) {
    if (!(await verifySecret(secret, key.secret_hash))) return null;
    keyCache.remember(fingerprint, key.id, key.secret_hash);
  }
  touchApiKey(db, key.id, now);
  const codes = permissionCodesOfRole(db, key.role_id);
  // A key with a platform role acts platform-wide; any other key only inside
  // its organization, and one without an organization grants nothing.
  const platformWide = key.role_level === 'platform';
  const grants =
    platformWide || key.organization_id !== null
      ? Grants.from(codes.map((code) => ({ organizationId: platformWide ? null : key.organization_id, code })))
      : Grants.from([]);
  return {
    kind: key.role_level === 'service' ? 'SERVICE' : 'API_KEY',
    id: key.id,
    name: key.name,
    userId: key.user_id,
    apiKeyId: key.id,
    loginTokenId: null,
    grants,
    isPlatformOwner: key.role_id === 'platform_owner',
  };
}

function authenticateLoginToken(db: Database, token: string, now: string): Principal | null {
  const row = loginTokenForAuthentication(db, sha256(token));
  if (!row || row.revoked_at !== null || row.expires_at <= now || row.user_active !== 1) return null;
  return {
    kind: 'USER',
    id: row.user_id,
    name: row.user_name,
    userId: row.user_id,
    apiKeyId: null,
    loginTokenId: row.id,
    grants: Grants.from(grantsOfUser(db, row.user_id, now)),
    isPlatformOwner: holdsPlatformRole(db, row.user_id, 'platform_owner', now),
  };
}
