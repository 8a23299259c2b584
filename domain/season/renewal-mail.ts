import { fixedMailRenderer, type TemplateSource } from '../crm/templates';

/**
 * The renewal e-mails (reminder, dunning, expiry), written like the CRM's templates: MJML with
 * Liquid, compiled once per process by `compileTemplate` (MJML to HTML, a plain-text part derived
 * from it) and rendered per subscriber. HTML output is escaped, so a package or customer name
 * cannot inject markup.
 */

export type RenewalMailKind = 'reminder' | 'dunning' | 'expired';

export interface RenewalMailVars {
  customer: { name: string; first_name: string };
  tenant: { name: string };
  package: { name: string };
  /** Formatted, e.g. "€300.00". */
  amount: string;
  /** Formatted dates (UTC). */
  renews_at: string;
  days_before: number;
  failure: string;
  next_retry_at: string | null;
  grace_ends_at: string;
  /** Paid outside Usher (offline provider): the e-mails ask for a payment instead of announcing a charge. */
  offline: boolean;
}

const page = (body: string): string =>
  `<mjml><mj-body><mj-section><mj-column>${body}</mj-column></mj-section></mj-body></mjml>`;

const SOURCES: Record<RenewalMailKind, TemplateSource> = {
  reminder: {
    subject: 'Your {{ package.name }} renews on {{ renews_at }}',
    mjml: page(`
      <mj-text>Hello {{ customer.first_name }},</mj-text>
      <mj-text>Your {{ package.name }} subscription with {{ tenant.name }} renews in {{ days_before }} days, on {{ renews_at }}.</mj-text>
      <mj-text>{% if offline %}Please pay {{ amount }} by then to keep your season seats.{% else %}We will charge {{ amount }} to your saved payment method.{% endif %}</mj-text>
      <mj-text>Nothing to do if you want to keep it; to stop the renewal, cancel before that date.</mj-text>`),
  },
  dunning: {
    subject: 'Action needed: your {{ package.name }} renewal',
    mjml: page(`
      <mj-text>Hello {{ customer.first_name }},</mj-text>
      <mj-text>{% if offline %}We have not yet received your renewal payment of {{ amount }} for {{ package.name }}, due on {{ renews_at }}.{% else %}We could not charge {{ amount }} for the renewal of your {{ package.name }} subscription ({{ failure }}).{% endif %}</mj-text>
      <mj-text>{% if next_retry_at %}We will try again on {{ next_retry_at }}. {% endif %}Please {% if offline %}pay{% else %}update your payment method{% endif %} before {{ grace_ends_at }}; after that the subscription expires and your season seats are released.</mj-text>`),
  },
  expired: {
    subject: 'Your {{ package.name }} has expired',
    mjml: page(`
      <mj-text>Hello {{ customer.first_name }},</mj-text>
      <mj-text>Your {{ package.name }} subscription with {{ tenant.name }} has expired and your season seats have been released.</mj-text>
      <mj-text>You are welcome back any time: buy a new season package to hold seats again.</mj-text>`),
  },
};

/** Renders one renewal e-mail. */
export const renderRenewalMail = fixedMailRenderer<RenewalMailKind, RenewalMailVars>(SOURCES);

/** Dates in e-mails: "30 June 2027 at 10:00 UTC". */
export function formatMailDate(iso: string): string {
  return `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;
}

/** Amounts in e-mails: minor units in the currency's own format, e.g. "€120.00". */
export function formatMoney(amountMinor: number, currency: string): string {
  const code = currency.trim().toUpperCase();
  const format = new Intl.NumberFormat('en', { style: 'currency', currency: code });
  return format.format(amountMinor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}
