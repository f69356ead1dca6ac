import { AuditEvent } from '../../src/accounts/entities';
import type { TestApp } from './app';

/** Requests made with an access token; `app` is read at call time (test apps start in beforeAll). */
export function authed(app: () => TestApp) {
  return {
    get: (token: string, url: string) => app().request.get(url).set('Authorization', `Bearer ${token}`),
    post: (token: string, url: string, body?: object) =>
      app()
        .request.post(url)
        .set('Authorization', `Bearer ${token}`)
        .send(body ?? {}),
    patch: (token: string, url: string, body: object) =>
      app().request.patch(url).set('Authorization', `Bearer ${token}`).send(body),
  };
}

/** The audit trail of one record, oldest first, with before/after parsed. */
export async function auditOf(t: TestApp, targetType: string, targetId: number) {
  const events = await t.deps.db.manager.find(AuditEvent, {
    where: { targetType, targetId: String(targetId) },
    order: { id: 'ASC' },
  });
  return events.map((e) => ({
    ...e,
    before: e.before === null ? null : (JSON.parse(e.before) as Record<string, unknown>),
    after: e.after === null ? null : (JSON.parse(e.after) as Record<string, unknown>),
  }));
}
