import { createHash } from 'node:crypto';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config';
import {
  DocumentError,
  documentKey,
  FolderDocumentStore,
  openDocumentStore,
} from '../../../src/infra/documents';
import { deriveKey } from '../../../src/infra/crypto';

// The real rename, which one test makes fail once (a disk error between the write and the rename).
jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
  return { ...actual, rename: jest.fn(actual.rename) };
});

const KEY = deriveKey('ab'.repeat(32), 'identity-documents');
const OTHER_KEY = deriveKey('cd'.repeat(32), 'identity-documents');
const MARKER = 'MARKER-CNI-AB123456-KOFFI-MENSAH';

let dir: string;
let store: FolderDocumentStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tontiflex-documents-test-'));
  store = await FolderDocumentStore.open(dir, KEY);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under the store's folder, relative to it. */
function files(): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

const fileOf = (key: string) => join(dir, key.slice(0, 2), key);

/** A plausible upload: a JPEG header, the marker, then filler. */
const document = (size = 4096) => {
  const bytes = Buffer.alloc(size, 0x41);
  Buffer.from([0xff, 0xd8, 0xff, 0xe0]).copy(bytes);
  Buffer.from(MARKER).copy(bytes, 100);
  return bytes;
};

async function expectDocumentError(promise: Promise<unknown>, code: DocumentError['code']) {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DocumentError);
  expect((err as DocumentError).code).toBe(code);
}

describe('FolderDocumentStore', () => {
  it('gives back the bytes it was given, with their size and SHA-256', async () => {
    const bytes = document();
    const stored = await store.put(bytes);
    expect(stored.key).toMatch(/^[0-9a-f]{32}$/);
    expect(stored.size).toBe(4096);
    expect(stored.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect((await store.get(stored.key)).equals(bytes)).toBe(true);

    const big = Buffer.alloc(5 * 1024 * 1024, 7);
    const empty = Buffer.alloc(0);
    const [b, e] = [await store.put(big), await store.put(empty)];
    expect((await store.get(b.key)).equals(big)).toBe(true);
    expect(await store.get(e.key)).toHaveLength(0);
  });

  it('keeps no plaintext on disk: the raw file holds neither the marker nor the JPEG header', async () => {
    const { key } = await store.put(document());
    expect(files()).toEqual([`${key.slice(0, 2)}/${key}`]);
    const raw = readFileSync(fileOf(key));
    expect(raw.includes(Buffer.from(MARKER))).toBe(false);
    expect(raw.includes(Buffer.from('MARKER'))).toBe(false);
    expect(raw.subarray(0, 4).equals(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe(false);
    // version byte, 12-byte nonce, 16-byte tag, then as many bytes as the document
    expect(raw[0]).toBe(1);
    expect(raw).toHaveLength(1 + 12 + 16 + 4096);
    // readable by this process's user only
    expect(statSync(fileOf(key)).mode & 0o777).toBe(0o600);
  });

  it('seals the same bytes twice differently: new key, new nonce, other ciphertext', async () => {
    const bytes = document();
    const a = await store.put(bytes);
    const b = await store.put(bytes);
    expect(a.key).not.toBe(b.key);
    expect(a.sha256).toBe(b.sha256);
    const rawA = readFileSync(fileOf(a.key));
    const rawB = readFileSync(fileOf(b.key));
    expect(rawA.subarray(1, 13).equals(rawB.subarray(1, 13))).toBe(false);
    expect(rawA.subarray(29).equals(rawB.subarray(29))).toBe(false);
  });

  it.each([
    ['the version byte', 0],
    ['a byte of the nonce', 5],
    ['a byte of the tag', 20],
    ['the first byte of ciphertext', 29],
    ['the last byte of ciphertext', -1],
  ])('refuses a file with %s flipped (a typed error, no plaintext)', async (_, at) => {
    const { key } = await store.put(document());
    const raw = readFileSync(fileOf(key));
    const index = at < 0 ? raw.length + at : at;
    raw[index] = raw[index]! ^ 0x01;
    writeFileSync(fileOf(key), raw);
    await expectDocumentError(store.get(key), 'unreadable');
  });

  it('refuses a truncated file and one with bytes appended', async () => {
    const a = await store.put(document());
    const b = await store.put(document());
    writeFileSync(fileOf(a.key), readFileSync(fileOf(a.key)).subarray(0, 20));
    writeFileSync(fileOf(b.key), Buffer.concat([readFileSync(fileOf(b.key)), Buffer.of(0)]));
    await expectDocumentError(store.get(a.key), 'unreadable');
    await expectDocumentError(store.get(b.key), 'unreadable');
  });

  it('refuses a file under another key (DOCUMENT_KEY changed since)', async () => {
    const { key } = await store.put(document());
    const other = new FolderDocumentStore(dir, OTHER_KEY);
    await expectDocumentError(other.get(key), 'unreadable');
    await expect(store.get(key)).resolves.toHaveLength(4096);
  });

  it("refuses one document's file copied over another's name (the key is authenticated)", async () => {
    const alice = await store.put(Buffer.from('alice id card'));
    const bob = await store.put(Buffer.from('bob id card'));
    copyFileSync(fileOf(alice.key), fileOf(bob.key));
    await expectDocumentError(store.get(bob.key), 'unreadable');
    await expect(store.get(alice.key)).resolves.toEqual(Buffer.from('alice id card'));
  });

  it('answers not_found for an unknown key, and never opens a name it did not make', async () => {
    await expectDocumentError(store.get('0'.repeat(32)), 'not_found');
    writeFileSync(join(dir, 'secret.txt'), 'not a document');
    for (const name of ['../secret.txt', 'secret.txt', `${'A'.repeat(32)}`, '', '0'.repeat(33)]) {
      await expectDocumentError(store.get(name), 'not_found');
    }
  });

  it('deletes: the document is gone, and deleting again is no error', async () => {
    const { key } = await store.put(document());
    await store.delete(key);
    await expectDocumentError(store.get(key), 'not_found');
    await expect(store.delete(key)).resolves.toBeUndefined();
    await expect(store.delete('../secret.txt')).resolves.toBeUndefined();
    expect(files()).toEqual([]);
  });

  it('writes atomically: concurrent puts leave only their files, no temporary one', async () => {
    const stored = await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(document(1000 + i))));
    expect(files()).toEqual(stored.map(({ key }) => `${key.slice(0, 2)}/${key}`).sort());
    for (const [i, { key }] of stored.entries()) expect(await store.get(key)).toHaveLength(1000 + i);
  });

  it('a write that fails before its rename leaves nothing behind, and the put rejects', async () => {
    jest.mocked(rename).mockRejectedValueOnce(Object.assign(new Error('I/O error'), { code: 'EIO' }));
    await expect(store.put(document())).rejects.toThrow('I/O error');
    expect(files()).toEqual([]);
    // the next put works
    const { key } = await store.put(document());
    expect(files()).toEqual([`${key.slice(0, 2)}/${key}`]);
  });
});

describe('opening the store', () => {
  it('creates DOCUMENTS_DIR and seals under a key derived from DOCUMENT_KEY for documents only', async () => {
    const where = join(dir, 'nested', 'documents');
    const config = loadConfig({ DOCUMENTS_DIR: where, DOCUMENT_KEY: 'ab'.repeat(32) });
    const opened = await openDocumentStore(config);
    const { key } = await opened.put(Buffer.from(MARKER));
    expect(readdirSync(where)).toEqual([key.slice(0, 2)]);
    expect(documentKey(config)).toBe(KEY);
    // neither the raw DOCUMENT_KEY nor another purpose's key opens it
    await expectDocumentError(new FolderDocumentStore(where, config.DOCUMENT_KEY).get(key), 'unreadable');
    await expectDocumentError(
      new FolderDocumentStore(where, deriveKey(config.DOCUMENT_KEY, 'sms-outbox-secret-params')).get(key),
      'unreadable',
    );
    await expect(new FolderDocumentStore(where, KEY).get(key)).resolves.toEqual(Buffer.from(MARKER));
  });

  it('defaults to var/documents', () => {
    expect(loadConfig({}).DOCUMENTS_DIR).toBe('var/documents');
  });

  it('refuses a folder that cannot be one (a file is in the way)', async () => {
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, 'x');
    await expect(FolderDocumentStore.open(blocked, KEY)).rejects.toThrow();
    await expect(FolderDocumentStore.open(join(blocked, 'sub'), KEY)).rejects.toThrow();
  });

  it('refuses a key that is not 256 bits', () => {
    expect(() => new FolderDocumentStore(dir, 'ab'.repeat(16))).toThrow('32 bytes');
  });
});
