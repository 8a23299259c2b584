/**
 * Prints the table of domain events for README.md's webhooks section (between the
 * `<!-- events:start -->` and `<!-- events:end -->` markers): `npx tsx scripts/event-docs.ts`;
 * `--write` replaces the README's copy in place. A unit test fails when the README's copy differs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { eventDocsMarkdown } from '../domain/catalogue-docs';

const table = `${eventDocsMarkdown()}\n`;
if (process.argv.includes('--write')) {
  const file = path.join(__dirname, '..', 'README.md');
  const readme = readFileSync(file, 'utf8');
  const start = '<!-- events:start -->\n';
  const end = '<!-- events:end -->';
  const from = readme.indexOf(start) + start.length;
  const to = readme.indexOf(end);
  if (from < start.length || to < from) throw new Error('README.md lacks the events markers');
  writeFileSync(file, readme.slice(0, from) + table + readme.slice(to));
} else {
  process.stdout.write(table);
}
