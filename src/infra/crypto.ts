import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  randomInt,
  scrypt,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';

const KEY_LEN = 32;
const PARAMS: ScryptOptions = { N: 16384, r: 8, p: 1 };

function scryptAsync(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LEN, PARAMS, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$N$r$p$salt$hash` (base64url), so parameters can be raised later without breaking old hashes. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

export async function verifySecret(secret: string, stored: string | null | undefined): Promise<boolean> {
  if (!stored) return false;
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash || ![n, r, p].every((v) => /^[1-9]\d*$/.test(v))) return false;
  const expected = Buffer.from(hash, 'base64url');
  // A corrupt hash is no match: an empty one would otherwise equal the empty key derived for any secret.
  if (expected.length < 16) return false;
  try {
    const key = await new Promise<Buffer>((resolve, reject) => {
      scrypt(
        secret,
        Buffer.from(salt, 'base64url'),
        expected.length,
        { N: Number(n), r: Number(r), p: Number(p) },
        (err, k) => (err ? reject(err) : resolve(k)),
      );
    });
    return timingSafeEqual(key, expected);
  } catch {
    return false; // parameters scrypt refuses (N not a power of two, over the memory limit ...)
  }
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function randomDigits(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String(randomInt(10));
  return out;
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/**
 * A 64-hex-character key for `encrypt`, derived from a server secret and what it is for: one secret in
 * the environment gives each use its own key, so a ciphertext of one purpose never opens under another.
 */
export function deriveKey(secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`tontiflex-key:${purpose}`).digest('hex');
}

/** AES-256-GCM with a 64-hex-character key: `v1.iv.tag.ciphertext` (base64url). For identity data at rest. */
export function encrypt(plaintext: string, keyHex: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v1',
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    data.toString('base64url'),
  ].join('.');
}

export function decrypt(sealed: string, keyHex: string): string {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unknown sealed format');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}
