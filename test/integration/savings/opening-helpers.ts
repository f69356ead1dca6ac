import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type supertest from 'supertest';
import type { TestApp } from '../../helpers/app';

/** Small documents whose first bytes are each accepted type's signature, then `marker`. */
export const jpeg = (marker = 'JPEG-DOC') =>
  Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from(`JFIF ${marker} `.repeat(8)),
  ]);
export const png = (marker = 'PNG-DOC') =>
  Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from(`IHDR ${marker} `.repeat(8)),
  ]);
export const pdf = (marker = 'PDF-DOC') => Buffer.from(`%PDF-1.4\n% ${marker}\n`.repeat(4));

/** POST multipart to `url` with the fields and files given (a file: its bytes, sent under `name`). */
export function multipart(
  t: TestApp,
  token: string,
  url: string,
  fields: Record<string, string | number>,
  files: Record<string, { bytes: Buffer; name?: string; type?: string }>,
): supertest.Test {
  let req = t.request.post(url).set('Authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, String(v));
  for (const [k, f] of Object.entries(files)) {
    req = req.attach(k, f.bytes, {
      filename: f.name ?? `${k}.jpg`,
      contentType: f.type ?? 'image/jpeg',
    });
  }
  return req;
}

/** Every file under the test app's DOCUMENTS_DIR (the encrypted store), with its raw bytes. */
export function storedFiles(t: TestApp): { path: string; bytes: Buffer }[] {
  const out: { path: string; bytes: Buffer }[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push({ path, bytes: readFileSync(path) });
    }
  };
  walk(t.config.DOCUMENTS_DIR);
  return out;
}
