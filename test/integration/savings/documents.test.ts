import type { Sfd, User } from '../../../src/accounts/entities';
import { SavingsAccount, SavingsDocument } from '../../../src/savings/entities';
import { MAX_DOCUMENT_BYTES } from '../../../src/shared/document-type';
import { auditOf, authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { jpeg, multipart, pdf, png, storedFiles } from './opening-helpers';

/**
 * The identity documents of an opening request: encrypted at rest (no plaintext in the store's
 * files), recognized by their bytes only, at most 5 MiB, downloaded decrypted by the SFD's staff only
 * (another SFD's: 404), each download audited.
 */

let t: TestApp;
let a: Sfd;
let b: Sfd;
const u: Record<string, User> = {};
const tok: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'DOCA');
  b = await makeSfd(t, 'DOCB');
  Object.assign(u, {
    agentA: await makeUser(t, 'agent_sfd', a),
    superA: await makeUser(t, 'superviseur_sfd', a),
    agentB: await makeUser(t, 'agent_sfd', b),
    adminB: await makeUser(t, 'admin_sfd', b),
    platform: await makeUser(t, 'admin_plateforme', null),
  });
  for (const key of Object.keys(u)) tok[key] = await tokenFor(t, u[key]);
});
afterAll(() => t.close());

const { get } = authed(() => t);
const URL = '/api/savings/accounts/create-request/';

const rawGet = (token: string, url: string) =>
  t.request
    .get(url)
    .set('Authorization', `Bearer ${token}`)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });

async function requested(idCard: Buffer, photo: Buffer) {
  const c = await makeUser(t, 'client', a);
  const res = await multipart(
    t,
    tok.agentA,
    URL,
    { client_id: c.id },
    {
      id_card: { bytes: idCard, name: 'cni.pdf', type: 'application/pdf' },
      photo: { bytes: photo, name: 'photo.png', type: 'image/png' },
    },
  );
  expect(res.status).toBe(201);
  return { client: c, body: res.body as { id: number; documents: { id: number; kind: string }[] } };
}

it('the stored files hold no plaintext of the documents, and download gives them back exactly', async () => {
  const marker = `MARKER-${Date.now()}-CNI-KOFFI-AMEGAN`;
  const idCard = pdf(marker);
  const photo = png(`${marker}-PHOTO`);
  const before = new Set(storedFiles(t).map((f) => f.path));
  const { body } = await requested(idCard, photo);
  const files = storedFiles(t).filter((f) => !before.has(f.path));
  expect(files).toHaveLength(2);
  const rows = await t.deps.db.manager.findBy(SavingsDocument, { accountId: body.id });
  expect(rows.map((r) => r.storageKey).sort()).toEqual(files.map((f) => f.path.split('/').at(-1)).sort());
  for (const f of files) {
    // Neither the marker (in any common encoding), nor the file types' signatures, nor the client.
    for (const needle of [marker, 'CNI-KOFFI', '%PDF-', 'IHDR']) {
      expect(f.bytes.includes(Buffer.from(needle, 'utf8'))).toBe(false);
      expect(f.bytes.includes(Buffer.from(needle, 'utf16le'))).toBe(false);
      expect(f.bytes.toString('base64').includes(Buffer.from(needle).toString('base64'))).toBe(false);
    }
    expect(f.bytes.length).toBeGreaterThan(29); // version, nonce, tag, then the ciphertext
  }
  expect(files[0].bytes.subarray(1, 13).equals(files[1].bytes.subarray(1, 13))).toBe(false); // fresh nonces

  const idDoc = body.documents.find((d) => d.kind === 'id_card') as { id: number };
  const res = await rawGet(tok.superA, `/api/savings/accounts/${body.id}/documents/${idDoc.id}/`);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/pdf');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['content-disposition']).toBe(
    `attachment; filename="id_card-${body.id}-${idDoc.id}.pdf"`,
  );
  expect((res.body as Buffer).equals(idCard)).toBe(true);
  const photoDoc = body.documents.find((d) => d.kind === 'photo') as { id: number };
  const img = await rawGet(tok.agentA, `/api/savings/accounts/${body.id}/documents/${photoDoc.id}/`);
  expect(img.headers['content-type']).toBe('image/png');
  expect((img.body as Buffer).equals(photo)).toBe(true);

  // Each download audited, with who, which document and its digest (never the document).
  const audit = await auditOf(t, 'savings_document', idDoc.id);
  expect(audit.map((e) => [e.action, e.actorId, e.sfdId, e.after])).toEqual([
    [
      'savings.document.download',
      u.superA.id,
      a.id,
      { account_id: body.id, kind: 'id_card', sha256: rows.find((r) => r.kind === 'id_card')?.sha256 },
    ],
  ]);
});

it('download: staff of another SFD 404, clients and the platform admin 403, another account’s document 404', async () => {
  const { client, body } = await requested(jpeg(), png());
  const docId = body.documents[0].id;
  const url = `/api/savings/accounts/${body.id}/documents/${docId}/`;
  expectProblem(await get(tok.agentB, url), 404);
  expectProblem(await get(tok.adminB, url), 404);
  expectProblem(await get(await tokenFor(t, client), url), 403);
  expectProblem(await get(tok.platform, url), 403);
  const other = await requested(jpeg(), png());
  expectProblem(await get(tok.agentA, `/api/savings/accounts/${other.body.id}/documents/${docId}/`), 404);
  expectProblem(await get(tok.agentA, `/api/savings/accounts/${body.id}/documents/999999/`), 404);
  expect(await auditOf(t, 'savings_document', docId)).toEqual([]);
});

it('a file whose bytes are not JPEG, PNG or PDF is refused whatever its name or declared type', async () => {
  const c = await makeUser(t, 'client', a);
  const files = storedFiles(t).length;
  const fakes = [
    { bytes: Buffer.from('MZ\x90\x00 this is an executable'), name: 'cni.jpg', type: 'image/jpeg' },
    { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), name: 'photo.png', type: 'image/png' },
    { bytes: Buffer.from(' %PDF-1.4 junk before the signature'), name: 'cni.pdf', type: 'application/pdf' },
    { bytes: Buffer.alloc(0), name: 'empty.jpg', type: 'image/jpeg' },
  ];
  for (const fake of fakes) {
    const res = await multipart(
      t,
      tok.agentA,
      URL,
      { client_id: c.id },
      { id_card: fake, photo: { bytes: png() } },
    );
    expectProblem(res, 400, 'validation');
    expect(res.body.errors).toEqual({ id_card: ['Le fichier doit etre une image JPEG ou PNG, ou un PDF'] });
  }
  const photoBad = await multipart(
    t,
    tok.agentA,
    URL,
    { client_id: c.id },
    {
      id_card: { bytes: jpeg() },
      photo: { bytes: Buffer.from('GIF89a not accepted'), name: 'p.png', type: 'image/png' },
    },
  );
  expectProblem(photoBad, 400, 'validation');
  expect(Object.keys(photoBad.body.errors)).toEqual(['photo']);
  // A missing one, a third file, a plain JSON body.
  const missing = await multipart(t, tok.agentA, URL, { client_id: c.id }, { id_card: { bytes: jpeg() } });
  expectProblem(missing, 400, 'validation');
  expect(missing.body.errors).toEqual({ photo: ['Champ obligatoire'] });
  const third = await multipart(
    t,
    tok.agentA,
    URL,
    { client_id: c.id },
    {
      id_card: { bytes: jpeg() },
      photo: { bytes: png() },
      selfie: { bytes: png() },
    },
  );
  expectProblem(third, 400, 'validation');
  expect(Object.keys(third.body.errors)).toEqual(['selfie']);
  expectProblem(
    await t.request.post(URL).set('Authorization', `Bearer ${tok.agentA}`).send({ client_id: c.id }),
    415,
  );
  expect(await t.deps.db.manager.countBy(SavingsAccount, { clientId: c.id })).toBe(0);
  expect(storedFiles(t).length).toBe(files);
});

it('5 MiB is accepted, 5 MiB + 1 byte refused with a problem naming the field; nothing stored', async () => {
  const big = (n: number) => Buffer.concat([jpeg(), Buffer.alloc(n - jpeg().length, 0x41)]);
  const c = await makeUser(t, 'client', a);
  const files = storedFiles(t).length;
  const over = await multipart(
    t,
    tok.agentA,
    URL,
    { client_id: c.id },
    {
      id_card: { bytes: big(MAX_DOCUMENT_BYTES + 1) },
      photo: { bytes: png() },
    },
  );
  expectProblem(over, 413, 'payload-too-large');
  expect(over.body.errors).toEqual({ id_card: ['Le fichier depasse 5 Mo'] });
  expect(over.body.detail).toBe('id_card is larger than 5 MiB (5242880 bytes)');
  const overPhoto = await multipart(
    t,
    tok.agentA,
    URL,
    { client_id: c.id },
    {
      id_card: { bytes: jpeg() },
      photo: { bytes: big(MAX_DOCUMENT_BYTES + 1) },
    },
  );
  expectProblem(overPhoto, 413);
  expect(Object.keys(overPhoto.body.errors)).toEqual(['photo']);
  expect(storedFiles(t).length).toBe(files);
  expect(await t.deps.db.manager.countBy(SavingsAccount, { clientId: c.id })).toBe(0);

  const exact = await multipart(
    t,
    tok.agentA,
    URL,
    { client_id: c.id },
    {
      id_card: { bytes: big(MAX_DOCUMENT_BYTES) },
      photo: { bytes: png() },
    },
  );
  expect(exact.status).toBe(201);
  expect(exact.body.documents[0]).toMatchObject({ kind: 'id_card', size: MAX_DOCUMENT_BYTES });
});

it('the API document shows the multipart bodies', async () => {
  const doc = (await t.request.get('/api/schema/')).body as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  };
  const create = doc.paths['/api/savings/accounts/create-request/'].post.requestBody?.content;
  expect(Object.keys(create ?? {})).toEqual(['multipart/form-data']);
  const upload = doc.paths['/api/savings/accounts/{id}/documents/'].post.requestBody?.content;
  expect(Object.keys(upload ?? {})).toEqual(['multipart/form-data']);
});
