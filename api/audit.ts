import type { AuditEntry } from '../db/platform/audit';
import type { Auth, HandlerResult, Method } from './route';

/** Every mutating call leaves a trace: who, which route, on what, with what input. */
export function auditEntry(
  auth: Auth,
  spec: { method: Method; path: string; tags: string[] },
  params: unknown,
  body: unknown,
  result: HandlerResult,
): AuditEntry {
  const p = params as { id?: number } | undefined;
  const produced =
    typeof result.body === 'object' && result.body !== null ? (result.body as { id?: unknown }) : undefined;
  return {
    actor:
      auth.kind === 'key'
        ? { type: 'api_key', id: String(auth.keyId) }
        : { type: 'customer', id: String(auth.customerId) },
    action: `${spec.method.toUpperCase()} ${spec.path}`,
    entityType: spec.tags[0]?.toLowerCase() ?? 'api',
    entityId: p?.id ?? (typeof produced?.id === 'number' || typeof produced?.id === 'string' ? produced.id : undefined),
    after: redactSecrets(body),
  };
}

const SECRET_FIELDS = new Set(['key', 'token', 'secret', 'password', 'payment_method']);
function redactSecrets(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(redactSecrets);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_FIELDS.has(k) ? '[redacted]' : redactSecrets(v)]),
  );
}
