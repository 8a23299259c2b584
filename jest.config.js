/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/?(*.)test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/.data/'],
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  // jose ships only ES modules; everything else in node_modules is CommonJS already.
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
  // Each test file gets its own database and task queue, but two workers is all 2 cores can carry.
  maxWorkers: 2,
  // A worker has no open handle left when told to end (it reaches 'exit' within milliseconds), but
  // tearing a ~500 MB process down and being reaped takes 0.5-1.2 s on a loaded 2-core machine, past
  // Jest's 500 ms default, which then reports it as "failed to exit gracefully". A real leak keeps a
  // worker alive for good and is still reported after this.
  workerGracefulExitTimeout: 5000,
};
