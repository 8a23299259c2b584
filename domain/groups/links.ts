import { recipientLinks } from '../surveys/links';

/**
 * The groups' e-mailed links reuse the survey link signer under keys of their own (the secret is extended by a
 * purpose), so a survey token never opens a group page, and a member's invitation never opens the leader's page.
 * An invitation token names an invitation row (revoked when its seat is reassigned); a leader token names a group.
 */
export const invitationLinks = (secret: string) => recipientLinks(`${secret}\u0000usher-group-invitation-v1`);
export const leaderLinks = (secret: string) => recipientLinks(`${secret}\u0000usher-group-leader-v1`);

/** The member's page of an invitation, and the leader's dashboard. */
export const invitationPagePath = (token: string): string => `/g/invitations/${token}`;
export const leaderPagePath = (token: string): string => `/g/leader/${token}`;

/** A group's leader dashboard link: the signed token and the absolute page URL. */
export function leaderLink(
  secret: string,
  baseUrl: string,
  tenantId: string,
  groupId: number,
): { token: string; url: string } {
  const token = leaderLinks(secret).sign({ tenantId, recipientId: groupId });
  return { token, url: baseUrl.replace(/\/$/, '') + leaderPagePath(token) };
}

/** The absolute signed link of each of a tenant's invitations, as e-mails carry it. */
export function invitationUrls(secret: string, baseUrl: string, tenantId: string): (invitationId: number) => string {
  const links = invitationLinks(secret);
  return (invitationId) =>
    baseUrl.replace(/\/$/, '') + invitationPagePath(links.sign({ tenantId, recipientId: invitationId }));
}
