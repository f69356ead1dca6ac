/** A response as supertest gives it. */
export interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  body: { type?: unknown; [key: string]: unknown };
}

/**
 * The one check of an RFC 7807 answer (http/errors.ts): the status, the media type, and the fields
 * every problem carries; `code`, when given, is the stable type's last segment (`insufficient-funds`).
 */
export function expectProblem(res: ProblemResponse, status: number, code?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    type: expect.stringMatching(/^https:\/\/tontiflex\.app\/problems\/[a-z-]+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    instance: expect.any(String),
  });
  if (res.headers['x-request-id']) expect(res.body.request_id).toBe(res.headers['x-request-id']);
  if (code !== undefined) expect(res.body.type).toBe(`https://tontiflex.app/problems/${code}`);
}
