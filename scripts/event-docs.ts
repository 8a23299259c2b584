/**
 * Prints the table of domain events for README.md's webhooks section (between the
 * `<!-- events:start -->` and `<!-- events:end -->` markers): `npx tsx scripts/event-docs.ts`.
 * A unit test fails when the README's copy differs from this output.
 */
import { eventDocsMarkdown } from '../domain/catalogue-docs';

process.stdout.write(`${eventDocsMarkdown()}\n`);
