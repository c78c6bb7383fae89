// The shapes of bearer tokens and how their secrets are made and hashed.
import { createHash, randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';

const API_KEY = /^afk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const LOGIN_TOKEN = /^aft_[A-Za-z0-9_-]{43}$/;

export type ParsedToken =
  | { kind: 'api_key'; keyId: string; secret: string }
  | { kind: 'login_token'; token: string }
  | { kind: 'malformed' };

export function parseBearerToken(token: string): ParsedToken {
  const apiKey = API_KEY.exec(token);
  if (apiKey) return { kind: 'api_key', keyId: apiKey[1] as string, secret: apiKey[2] as string };
  if (LOGIN_TOKEN.test(token)) return { kind: 'login_token', token };
  return { kind: 'malformed' };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function newApiKeySecret(cost: number): Promise<{ keyId: string; secret: string; token: string; secretHash: string }> {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const secretHash = await bcrypt.hash(secret, cost);
  return { keyId, secret, token: `afk_${keyId}_${secret}`, secretHash };
}

export function newLoginToken(): { token: string; tokenHash: string } {
  const token = `aft_${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: sha256(token) };
}

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

export function verifySecret(secret: string, hash: string): Promise<boolean> {
  return bcrypt.compare(secret, hash);
}
