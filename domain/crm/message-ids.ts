/** The Message-ID of a marketing e-mail: it names the tenant and message, so a complaint finds it. */
export const crmMessageId = (tenantId: string, id: number): string => `<crm-${tenantId}-${id}@usher>`;

/** The tenant and message a marketing Message-ID names; undefined for anything else. */
export function parseCrmMessageId(messageId: string): { tenantId: string; id: number } | undefined {
  const m = /^<?crm-(.+)-(\d{1,15})@usher>?$/.exec(messageId.trim());
  return m ? { tenantId: m[1], id: Number(m[2]) } : undefined;
}
