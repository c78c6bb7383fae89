// Turns an Authorization header into a Principal, or null. A wrong, revoked
// or expired token all come back as null: the caller never learns which.
// A warm token resolves from memory (the principal cache) after one read of
// the security epoch; a cold one reads its row and grants, and API key
// secrets are checked with bcrypt unless recently verified.
import type { Reader } from '../db/store';
import {
  apiKeyForAuthentication,
  grantsOfUser,
  holdsPlatformRole,
  loginTokenForAuthentication,
  nextGrantExpiry,
  permissionCodesOfRole,
} from './credentials';
import { Grants } from './grants';
import type { ApiKeyVerificationCache } from './keyCache';
import type { ApiKeyUseRecorder } from './keyUse';
import type { Principal } from './principal';
import { type PrincipalCache, securityEpoch } from './principalCache';
import { parseBearerToken, sha256, verifySecret } from './tokens';

export type AuthenticationDeps = {
  db: Reader;
  keyCache: ApiKeyVerificationCache;
  principals: PrincipalCache;
  keyUse: ApiKeyUseRecorder;
};

type Resolved = { principal: Principal; validUntil: string | null } | null;

export function bearerToken(authorization: string | null | undefined): string | null {
  if (!authorization) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match ? (match[1] as string) : '';
}

export async function authenticate(deps: AuthenticationDeps, token: string): Promise<Principal | null> {
  return (await authenticateToken(deps, token))?.principal ?? null;
}

/** A token's principal and until when it holds (ms: its token's expiry or its first grant's, null: no end). */
export type Authenticated = { principal: Principal; validUntil: number | null };

/** Like authenticate, with the moment the principal stops holding (a subscription checks again then). */
export async function authenticateToken(deps: AuthenticationDeps, token: string): Promise<Authenticated | null> {
  const parsed = parseBearerToken(token);
  if (parsed.kind === 'malformed') return null;
  const fingerprint = sha256(token);
  const nowMs = Date.now();
  const epoch = await securityEpoch(deps.db);
  deps.principals.sync(epoch);
  const cached = deps.principals.get(fingerprint, nowMs);
  if (cached) {
    if (cached.principal.apiKeyId !== null) deps.keyUse.record(cached.principal.apiKeyId, nowMs);
    return cached;
  }
  const now = new Date(nowMs).toISOString();
  const resolved =
    parsed.kind === 'api_key'
      ? await authenticateApiKey(deps, fingerprint, parsed.keyId, parsed.secret, now)
      : await authenticateLoginToken(deps.db, fingerprint, now);
  if (!resolved) return null;
  const validUntil = resolved.validUntil === null ? null : Date.parse(resolved.validUntil);
  deps.principals.set(fingerprint, resolved.principal, epoch, nowMs, validUntil);
  return { principal: resolved.principal, validUntil };
}

async function authenticateApiKey(
  { db, keyCache, keyUse }: AuthenticationDeps,
  fingerprint: string,
  keyId: string,
  secret: string,
  now: string,
): Promise<Resolved> {
  const key = await apiKeyForAuthentication(db, keyId);
  if (!key || key.revoked_at !== null || (key.expires_at !== null && key.expires_at <= now)) return null;
  if (key.user_id !== null && key.user_active !== 1) return null;
  if (!keyCache.isVerified(fingerprint, key.id, key.secret_hash)) {
    if (!(await verifySecret(secret, key.secret_hash))) return null;
    keyCache.remember(fingerprint, key.id, key.secret_hash);
  }
  keyUse.record(key.id, Date.parse(now), key.last_used_at);
  const codes = await permissionCodesOfRole(db, key.role_id);
  // A key with a platform role acts platform-wide; any other key only inside
  // its organization, and one without an organization grants nothing.
  const platformWide = key.role_level === 'platform';
  const grants =
    platformWide || key.organization_id !== null
      ? Grants.from(codes.map((code) => ({ organizationId: platformWide ? null : key.organization_id, code })))
      : Grants.from([]);
  const principal: Principal = {
    kind: key.role_level === 'service' ? 'SERVICE' : 'API_KEY',
    id: key.id,
    name: key.name,
    userId: key.user_id,
    apiKeyId: key.id,
    loginTokenId: null,
    apiKeyRoleId: key.role_id,
    grants,
    isPlatformOwner: key.role_id === 'platform_owner',
  };
  return { principal, validUntil: key.expires_at };
}

async function authenticateLoginToken(db: Reader, fingerprint: string, now: string): Promise<Resolved> {
  const row = await loginTokenForAuthentication(db, fingerprint);
  if (!row || row.revoked_at !== null || row.expires_at <= now || row.user_active !== 1) return null;
  const grantExpiry = await nextGrantExpiry(db, row.user_id, now);
  const principal: Principal = {
    kind: 'USER',
    id: row.user_id,
    name: row.user_name,
    userId: row.user_id,
    apiKeyId: null,
    loginTokenId: row.id,
    apiKeyRoleId: null,
    grants: Grants.from(await grantsOfUser(db, row.user_id, now)),
    isPlatformOwner: await holdsPlatformRole(db, row.user_id, 'platform_owner', now),
  };
  return { principal, validUntil: grantExpiry !== null && grantExpiry < row.expires_at ? grantExpiry : row.expires_at };
}
