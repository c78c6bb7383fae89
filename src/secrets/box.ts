// Integration secrets sealed with AES-256-GCM (node:crypto) under the gateway's secret key; what SQLite stores is
// an envelope, a JSON object (the column's CHECK still holds) naming the key by a digest, never the key itself.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

/** What integration_secrets.secrets holds once sealed. */
type Envelope = { sealed: typeof ALGORITHM; keyId: string; iv: string; tag: string; data: string };

/** A sealed value that cannot be opened: another key, or altered bytes. The message names no value. */
export class SecretUnreadableError extends Error {}

/** A short public name of a key (the first 8 bytes of its SHA-256), to tell keys apart in messages and envelopes. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export class SecretBox {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('an AES-256 key is 32 bytes');
    this.keyId = keyIdOf(key);
  }

  /** Seals `plain`, bound to `context` (the row's id: a sealed value moved to another row does not open). */
  seal(plain: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const envelope: Envelope = {
      sealed: ALGORITHM,
      keyId: this.keyId,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    return JSON.stringify(envelope);
  }

  /** Opens what `seal` made with this key and the same context; throws SecretUnreadableError otherwise. */
  open(stored: string, context: string): string {
    const envelope = envelopeOf(stored);
    if (!envelope) throw new SecretUnreadableError('the value is not sealed');
    if (envelope.keyId !== this.keyId) throw new SecretUnreadableError(`sealed under key ${envelope.keyId}, not ${this.keyId}`);
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(envelope.iv, 'base64'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError('the sealed value does not authenticate under this key');
    }
  }
}

/** The key a stored value was sealed under; null when it is not sealed (clear text from before encryption). */
export function sealedKeyId(stored: string): string | null {
  return envelopeOf(stored)?.keyId ?? null;
}

function envelopeOf(stored: string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const fields = value as Record<string, unknown>;
  const keys = Object.keys(fields).sort().join(',');
  if (keys !== 'data,iv,keyId,sealed,tag' || fields.sealed !== ALGORITHM) return null;
  if (![fields.keyId, fields.iv, fields.tag, fields.data].every((field) => typeof field === 'string')) return null;
  return fields as Envelope;
}
