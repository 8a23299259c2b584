/** Names of the environment variables the global set-up hands to every test worker. */
export const TEST_ENV = {
  adminUrl: 'USHER_TEST_ADMIN_URL',
  templateDb: 'USHER_TEST_TEMPLATE_DB',
  temporalAddress: 'USHER_TEST_TEMPORAL_ADDRESS',
  stripeMockUrl: 'USHER_TEST_STRIPE_MOCK_URL',
  workflowBundle: 'USHER_TEST_WORKFLOW_BUNDLE',
} as const;

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) throw new Error(`${TEST_ENV[name]} is not set: run the tests through jest (test/global-setup.ts)`);
  return value;
}
