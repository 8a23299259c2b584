import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (which ships no browser). */
export const CHROMIUM = '/usr/bin/chromium';

const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-sync',
];

/**
 * Headless Chromium with a fresh profile directory, removed (best effort) once the context closes. `what` names the page under
 * test in the error a machine without Chromium gets.
 */
export async function launchChromium(
  what: string,
  options: { args?: string[]; viewport?: { width: number; height: number } } = {},
): Promise<BrowserContext> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`Chromium is required for the ${what} test and was not found at ${CHROMIUM}`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'usher-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    ...(options.viewport ? { viewport: options.viewport } : {}),
    args: [...BASE_ARGS, ...(options.args ?? [])],
  });
  // Chromium's helper processes can still be writing into the profile as the context closes: retry, and a
  // leftover directory in the temp dir must never fail the test that used it.
  context.on('close', () => {
    fs.promises.rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch(() => undefined);
  });
  return context;
}
