import type { Sfd, User } from '../../../src/accounts/entities';
import { LoanDocument } from '../../../src/loans/entities';
import { auditOf, authed } from '../../helpers/api';
import { startTestApp, type TestApp } from '../../helpers/app';
import { makeSfd, makeUser, tokenFor } from '../../helpers/factories';
import { expectProblem } from '../../helpers/problem';
import { jpeg, multipart, pdf, storedFiles } from '../savings/opening-helpers';
import { eligibleClient, makeApplication } from './helpers';

/**
 * The attachments of a loan application: PDFs only, recognized by their bytes (a JPEG is a 415 whatever
 * it is called), at most 5 MiB (6 MiB: 413 naming the field), encrypted at rest, downloaded decrypted by
 * the SFD's staff only (audited), never by the client or another SFD.
 */

let t: TestApp;
let a: Sfd;
let b: Sfd;
const u: Record<string, User> = {};
const tok: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  a = await makeSfd(t, 'LDA');
  b = await makeSfd(t, 'LDB');
  Object.assign(u, {
    agentA: await makeUser(t, 'agent_sfd', a),
    superA: await makeUser(t, 'superviseur_sfd', a),
    agentB: await makeUser(t, 'agent_sfd', b),
    platform: await makeUser(t, 'admin_plateforme', null),
  });
  for (const key of Object.keys(u)) tok[key] = await tokenFor(t, u[key]);
});
afterAll(() => t.close());

const { get, post } = authed(() => t);

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

async function application(status: 'soumis' | 'en_cours_examen' | 'transfere_admin' | 'accorde' = 'soumis') {
  const { client, savings } = await eligibleClient(t, a);
  const { application: app } = await makeApplication(t, a, client, savings, { status });
  return {
    client,
    app,
    clientToken: await tokenFor(t, client),
    url: `/api/loans/applications/${app.id}/documents/`,
  };
}

const send = (token: string, url: string, bytes: Buffer, fields: Record<string, string | number> = {}) =>
  multipart(
    t,
    token,
    url,
    { kind: 'business_plan', ...fields },
    {
      file: { bytes, name: 'plan.pdf', type: 'application/pdf' },
    },
  );

it('a PDF is stored encrypted (no plaintext at rest) and the SFD staff get it back exactly, audited', async () => {
  const { app, url, clientToken, client } = await application();
  const marker = `MARKER-${Date.now()}-PLAN-AFFAIRES-KOFFI`;
  const file = pdf(marker);
  const before = new Set(storedFiles(t).map((f) => f.path));
  const res = await send(clientToken, url, file, { kind: 'income_proof' });
  expect(res.status).toBe(201);
  const row = (await t.deps.db.manager.findOneBy(LoanDocument, { applicationId: app.id })) as LoanDocument;
  expect(res.body).toEqual({
    id: row.id,
    application_id: app.id,
    guarantee_id: null,
    kind: 'income_proof',
    content_type: 'application/pdf',
    size: file.length,
    sha256: row.sha256,
    uploaded_by: client.id,
    created_at: t.clock.now().toISOString(),
  });
  expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);

  const files = storedFiles(t).filter((f) => !before.has(f.path));
  expect(files.map((f) => f.path.split('/').at(-1))).toEqual([row.storageKey]);
  for (const needle of [marker, 'PLAN-AFFAIRES', '%PDF-']) {
    expect(files[0].bytes.includes(Buffer.from(needle, 'utf8'))).toBe(false);
    expect(files[0].bytes.includes(Buffer.from(needle, 'utf16le'))).toBe(false);
    expect(files[0].bytes.toString('base64').includes(Buffer.from(needle).toString('base64'))).toBe(false);
  }

  const down = await rawGet(tok.superA, `${url}${row.id}/`);
  expect(down.status).toBe(200);
  expect(down.headers['content-type']).toBe('application/pdf');
  expect(down.headers['cache-control']).toBe('no-store');
  expect(down.headers['content-disposition']).toBe(
    `attachment; filename="income_proof-${app.id}-${row.id}.pdf"`,
  );
  expect((down.body as Buffer).equals(file)).toBe(true);

  const audit = await auditOf(t, 'loan_document', row.id);
  expect(audit.map((e) => [e.action, e.actorRole, e.sfdId, e.after])).toEqual([
    [
      'loan.document.upload',
      'client',
      a.id,
      { application_id: app.id, kind: 'income_proof', sha256: row.sha256 },
    ],
    [
      'loan.document.download',
      'superviseur_sfd',
      a.id,
      { application_id: app.id, kind: 'income_proof', sha256: row.sha256 },
    ],
  ]);

  const list = await get(clientToken, url);
  expect(list.status).toBe(200);
  expect(list.body).toEqual({ count: 1, next: null, previous: null, results: [res.body] });
});

it('a JPEG (even named .pdf, declared application/pdf) is a 415; 6 MiB is a 413 naming the field; nothing stored', async () => {
  const { app, url } = await application();
  const files = storedFiles(t).length;
  const jpg = await send(tok.agentA, url, jpeg());
  expectProblem(jpg, 415, 'pdf-required');
  expect(jpg.body.errors).toEqual({ file: ['pdf_required'] });
  expect(jpg.body.title).toBe('Seuls les documents PDF sont acceptes');
  expectProblem(await send(tok.agentA, url, Buffer.from(' %PDF-1.4 junk first')), 415, 'pdf-required');
  expectProblem(await send(tok.agentA, url, Buffer.alloc(0)), 415, 'pdf-required');

  const six = Buffer.concat([pdf(), Buffer.alloc(6 * 1024 * 1024 - pdf().length, 0x41)]);
  const big = await send(tok.agentA, url, six);
  expectProblem(big, 413, 'payload-too-large');
  expect(big.body.errors).toEqual({ file: ['Le fichier depasse 5 Mo'] });

  // Not multipart; no file; an unknown kind; a second file.
  expectProblem(await post(tok.agentA, url, { kind: 'other' }), 415, 'unsupported-media-type');
  const none = await multipart(t, tok.agentA, url, { kind: 'other' }, {});
  expectProblem(none, 400, 'validation');
  expect(none.body.errors).toEqual({ file: ['Champ obligatoire'] });
  const kind = await send(tok.agentA, url, pdf(), { kind: 'selfie' });
  expectProblem(kind, 400, 'validation');
  expect(Object.keys(kind.body.errors)).toEqual(['kind']);
  const two = await multipart(
    t,
    tok.agentA,
    url,
    { kind: 'other' },
    {
      file: { bytes: pdf(), type: 'application/pdf' },
      other: { bytes: pdf(), type: 'application/pdf' },
    },
  );
  expectProblem(two, 400, 'validation');
  expect(Object.keys(two.body.errors)).toEqual(['other']);

  expect(storedFiles(t).length).toBe(files);
  expect(await t.deps.db.manager.countBy(LoanDocument, { applicationId: app.id })).toBe(0);
});

it('a guarantee proof names a guarantee of this application, else 400 and the stored file is removed', async () => {
  const { app, url } = await application('en_cours_examen');
  const other = await application();
  const g = await post(tok.agentA, `/api/loans/applications/${app.id}/guarantees/`, {
    type: 'vehicule',
    value: 900_000,
    description: 'Moto Haojue 2021',
  });
  expect(g.status).toBe(201);
  const gOther = await post(tok.agentA, `/api/loans/applications/${other.app.id}/guarantees/`, {
    type: 'materiel',
    value: 10_000,
    description: 'Balance',
  });
  const files = storedFiles(t).length;
  const wrong = await send(tok.agentA, url, pdf(), {
    kind: 'guarantee_proof',
    guarantee_id: gOther.body.id as number,
  });
  expectProblem(wrong, 400, 'validation');
  expect(Object.keys(wrong.body.errors)).toEqual(['guarantee_id']);
  expect(storedFiles(t).length).toBe(files);

  const ok = await send(tok.agentA, url, pdf('carte grise'), {
    kind: 'guarantee_proof',
    guarantee_id: g.body.id as number,
  });
  expect(ok.status).toBe(201);
  expect(ok.body).toMatchObject({
    guarantee_id: g.body.id,
    kind: 'guarantee_proof',
    uploaded_by: u.agentA.id,
  });
});

it('the client adds while soumis or en_cours_examen, staff until decided; a decided file is closed (409)', async () => {
  const forwarded = await application('transfere_admin');
  expectProblem(await send(forwarded.clientToken, forwarded.url, pdf()), 409, 'conflict');
  expect((await send(tok.agentA, forwarded.url, pdf())).status).toBe(201);
  const granted = await application('accorde');
  expectProblem(await send(granted.clientToken, granted.url, pdf()), 409, 'conflict');
  expectProblem(await send(tok.agentA, granted.url, pdf()), 409, 'conflict');
  const reviewing = await application('en_cours_examen');
  expect((await send(reviewing.clientToken, reviewing.url, pdf())).status).toBe(201);
});

it('download: another SFD 404, the client and the platform admin 403, another application’s document 404', async () => {
  const { app, url, clientToken } = await application();
  const res = await send(tok.agentA, url, pdf());
  const docUrl = `${url}${res.body.id as number}/`;
  expectProblem(await get(tok.agentB, docUrl), 404);
  expectProblem(await get(clientToken, docUrl), 403);
  expectProblem(await get(tok.platform, docUrl), 403);
  const other = await application();
  expectProblem(await get(tok.agentA, `${other.url}${res.body.id as number}/`), 404);
  expectProblem(await get(tok.agentA, `${url}999999/`), 404);
  // Uploads: another SFD's staff 404 (before the body is read), the platform admin 403, another client 404.
  expectProblem(await send(tok.agentB, url, pdf()), 404);
  expectProblem(await send(tok.platform, url, pdf()), 403);
  expectProblem(await send(other.clientToken, url, pdf()), 404);
  expect(await auditOf(t, 'loan_document', res.body.id as number)).toHaveLength(1); // the upload only
  expect(app.id).toBeGreaterThan(0);
});
