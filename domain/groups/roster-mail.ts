import { fixedMailRenderer, type TemplateSource } from '../crm/templates';

/**
 * The roster's e-mails (invitation, details reminder, the leader's message to the group), written like the CRM's
 * templates: MJML with Liquid compiled once per process, rendered per member. HTML output is escaped, so a group
 * or member name (or the leader's message) cannot inject markup.
 */

export type RosterMailKind = 'invitation' | 'reminder' | 'message';

export interface RosterMailVars {
  member: { name: string };
  group: { name: string; leader: string };
  event: { name: string };
  /** The member's signed link; empty for a message. */
  link: string;
  /** Formatted date (UTC), or empty when the group has no deadline yet. */
  deadline: string;
  message: { subject: string; body: string };
}

const page = (body: string): string =>
  `<mjml><mj-body><mj-section><mj-column>${body}</mj-column></mj-section></mj-body></mjml>`;

const SOURCES: Record<RosterMailKind, TemplateSource> = {
  invitation: {
    subject: '{{ group.leader }} invites you to {{ event.name }} with {{ group.name }}',
    mjml: page(`
      <mj-text>Hello {{ member.name }},</mj-text>
      <mj-text>{{ group.leader }} has a seat for you at {{ event.name }} in the group {{ group.name }}.</mj-text>
      <mj-text>Accept the invitation and fill in your attendee details{% if deadline != "" %} before {{ deadline }}{% endif %}; your own ticket and wallet pass follow.</mj-text>
      <mj-button href="{{ link }}">Accept your seat</mj-button>
      <mj-text>Or open this link: {{ link }}</mj-text>`),
  },
  reminder: {
    subject: 'Reminder: your details for {{ event.name }} ({{ group.name }})',
    mjml: page(`
      <mj-text>Hello {{ member.name }},</mj-text>
      <mj-text>Your seat in {{ group.name }} for {{ event.name }} still needs your attendee details{% if deadline != "" %}, please complete them before {{ deadline }}{% endif %}.</mj-text>
      <mj-button href="{{ link }}">Complete your details</mj-button>
      <mj-text>Or open this link: {{ link }}</mj-text>`),
  },
  message: {
    subject: '{{ group.name }}: {{ message.subject }}',
    mjml: page(`
      <mj-text>Hello {{ member.name }},</mj-text>
      <mj-text>{{ group.leader }} writes to {{ group.name }} about {{ event.name }}:</mj-text>
      <mj-text>{{ message.body }}</mj-text>`),
  },
};

/** Renders one roster e-mail. */
export const renderRosterMail = fixedMailRenderer<RosterMailKind, RosterMailVars>(SOURCES);
