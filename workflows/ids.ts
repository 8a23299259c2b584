/** Workflow ids name the entity: `<kind>/<tenantId>/<entityId>`. */
export function workflowId(kind: string, tenantId: string, entityId: string | number): string {
  return `${kind}/${tenantId}/${entityId}`;
}

export function parseWorkflowId(kind: string, id: string): { tenantId: string; entityId: string } | undefined {
  const parts = id.split('/');
  if (parts.length !== 3 || parts[0] !== kind || !parts[1] || !parts[2]) return undefined;
  return { tenantId: parts[1], entityId: parts[2] };
}
