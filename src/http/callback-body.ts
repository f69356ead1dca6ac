import coBody from 'co-body';
import type { Context } from 'koa';
import { parse as parseQueryString } from 'node:querystring';

export type CallbackBody = { body: Record<string, unknown> } | { reason: string };

/**
 * A provider callback's posted form or JSON object, or why there is none (Africa's Talking's callbacks
 * are answered 200 whatever they carry, and read before the API's body parser). Never throws: a body over the limit, invalid
 * JSON, another content type or bytes that are no text are all just malformed. The limit is the API's.
 */
export async function readCallbackBody(ctx: Context, limit: string): Promise<CallbackBody> {
  const type = ctx.is('urlencoded', 'json'); // null: no body at all; false: another type
  if (!type) return { reason: type === null ? 'no body' : 'unsupported content type' };
  let raw: string;
  try {
    raw = await coBody.text(ctx, { limit, encoding: 'utf-8' });
  } catch (err) {
    // co-body's errors (raw-body's): entity.too.large, request.aborted, encoding.unsupported, …
    const kind = (err as { type?: unknown }).type;
    return { reason: typeof kind === 'string' ? `body unreadable (${kind})` : 'body unreadable' };
  }
  if (type === 'urlencoded') return { body: parseQueryString(raw) };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { reason: 'invalid JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { reason: 'not a JSON object' };
  return { body: json as Record<string, unknown> };
}
