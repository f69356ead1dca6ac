import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../config';
import { deriveKey } from './crypto';

/**
 * Where identity documents (ID card scans, photos) are kept: encrypted at rest, under names that say
 * nothing of whom they belong to. The business row (a savings account request) holds the key, the type
 * and the digest; the store holds only ciphertext.
 */
export interface DocumentStore {
  /** Encrypts and stores the bytes under a new random key. */
  put(bytes: Buffer): Promise<StoredDocument>;
  /** The document, decrypted and verified; a DocumentError (`not_found`, `unreadable`) otherwise. */
  get(key: string): Promise<Buffer>;
  /** Removes it; a key already gone is no error. */
  delete(key: string): Promise<void>;
}

export interface StoredDocument {
  /** 32 lowercase hex characters, random: no client data, no file name. */
  key: string;
  /** Size of the document (not of its encrypted file), bytes. */
  size: number;
  /** SHA-256 of the document, hex: what an audit row may quote instead of the document. */
  sha256: string;
}

/**
 * `not_found`: no document under that key (or not a key at all). `unreadable`: the file is there but
 * does not open: tampered with, truncated, of an unknown version, or sealed under another key
 * (DOCUMENT_KEY changed since). The message names the key: it stays in the logs.
 */
export class DocumentError extends Error {
  override readonly name = 'DocumentError';

  constructor(
    readonly code: 'not_found' | 'unreadable',
    message: string,
  ) {
    super(message);
  }
}

/** The key that seals document files: DOCUMENT_KEY's, for this purpose only (see deriveKey). */
export const documentKey = (config: Pick<Config, 'DOCUMENT_KEY'>) =>
  deriveKey(config.DOCUMENT_KEY, 'identity-documents');

const VERSION = 1;
const NONCE_LEN = 12;
const TAG_LEN = 16;
const HEADER_LEN = 1 + NONCE_LEN + TAG_LEN;
const KEY_RE = /^[0-9a-f]{32}$/;

/**
 * A file is `version (1 byte) | nonce (12) | GCM tag (16) | ciphertext`, AES-256-GCM with a fresh
 * random nonce per file. The authenticated data is the version byte and the file's key, so a file
 * copied over another document's name (one client's ID card shown as another's) fails like a
 * tampered one.
 */
function seal(plain: Buffer, key: string, aesKey: Buffer): Buffer {
  const nonce = randomBytes(NONCE_LEN);
  const cipher = createCipheriv('aes-256-gcm', aesKey, nonce, { authTagLength: TAG_LEN });
  cipher.setAAD(Buffer.concat([Buffer.of(VERSION), Buffer.from(key, 'ascii')]));
  const data = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), nonce, cipher.getAuthTag(), data]);
}

function unseal(sealed: Buffer, key: string, aesKey: Buffer): Buffer {
  if (sealed.length < HEADER_LEN || sealed[0] !== VERSION) {
    throw new DocumentError('unreadable', `document ${key}: not a version ${VERSION} document file`);
  }
  const decipher = createDecipheriv('aes-256-gcm', aesKey, sealed.subarray(1, 1 + NONCE_LEN), {
    authTagLength: TAG_LEN,
  });
  decipher.setAAD(Buffer.concat([Buffer.of(VERSION), Buffer.from(key, 'ascii')]));
  decipher.setAuthTag(sealed.subarray(1 + NONCE_LEN, HEADER_LEN));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(HEADER_LEN)), decipher.final()]);
  } catch {
    throw new DocumentError('unreadable', `document ${key}: authentication failed`);
  }
}

const isErrno = (err: unknown, code: string) => (err as NodeJS.ErrnoException | null)?.code === code;

/** Makes a rename in the folder durable (the business row that names the key commits next). */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse to sync a folder (EINVAL): the file itself was synced.
  } finally {
    await handle.close();
  }
}

/**
 * The default adapter: one file per document in a folder (`DOCUMENTS_DIR`), spread over 256
 * subfolders by the key's first two characters. When app processes are scaled out the folder is a
 * volume they all mount. A write goes to a temporary name in the same subfolder, is flushed, then
 * renamed: a reader sees the whole file or none, and a crash leaves at most a `.tmp` file, never a
 * half document under a real key.
 */
export class FolderDocumentStore implements DocumentStore {
  private readonly aesKey: Buffer;

  constructor(
    private readonly dir: string,
    keyHex: string,
  ) {
    this.aesKey = Buffer.from(keyHex, 'hex');
    if (this.aesKey.length !== 32) throw new Error('the document key must be 32 bytes (64 hex characters)');
  }

  /** Creates the folder and checks that this process may write there: a wrong volume fails at start. */
  static async open(dir: string, keyHex: string): Promise<FolderDocumentStore> {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return new FolderDocumentStore(dir, keyHex);
  }

  private pathOf(key: string): string {
    return join(this.dir, key.slice(0, 2), key);
  }

  async put(bytes: Buffer): Promise<StoredDocument> {
    const key = randomBytes(16).toString('hex');
    const sealed = seal(bytes, key, this.aesKey);
    const path = this.pathOf(key);
    const folder = join(this.dir, key.slice(0, 2));
    await mkdir(folder, { recursive: true });
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const file = await open(tmp, 'wx', 0o600);
      try {
        await file.writeFile(sealed);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await syncFolder(folder);
    return { key, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  async get(key: string): Promise<Buffer> {
    // Only names put() makes: nothing else (`../`, another folder) is ever opened.
    if (!KEY_RE.test(key)) throw new DocumentError('not_found', `no document ${JSON.stringify(key)}`);
    let sealed: Buffer;
    try {
      sealed = await readFile(this.pathOf(key));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new DocumentError('not_found', `no document ${key}`);
      throw err;
    }
    return unseal(sealed, key, this.aesKey);
  }

  async delete(key: string): Promise<void> {
    if (!KEY_RE.test(key)) return;
    await unlink(this.pathOf(key)).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }
}

/** The store the config names (the folder adapter is the only one yet), its key derived from DOCUMENT_KEY. */
export const openDocumentStore = (config: Pick<Config, 'DOCUMENTS_DIR' | 'DOCUMENT_KEY'>) =>
  FolderDocumentStore.open(config.DOCUMENTS_DIR, documentKey(config));
