import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// A migration runs once, from the migration runner; code that runs every day never imports one.
const noMigrations = { group: ['**/migrations/0*'], message: 'Nothing at run time imports a migration.' };
const ioModules = ['pg', 'knex', 'koa', '@koa/*', 'nodemailer', 'stripe', 'uWebSockets.js', '@temporalio/*'];
const nodeIo = ['node:fs', 'node:net', 'node:http', 'node:http2', 'node:https', 'node:child_process', 'node:dgram'];
const nodeIoBare = ['fs', 'fs/*', 'net', 'http', 'http2', 'https', 'child_process', 'dgram'];
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns: [...patterns, noMigrations] }] });

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'coverage/**', 'dist/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      ...restrict(),
    },
  },
  {
    // The HTTP edge: it starts and signals workflows but never runs worker code, and one module's
    // routes never reach into another's (shared helpers live in a module's service or view file).
    files: ['api/**/*.ts'],
    rules: restrict(
      {
        group: ['**/activities/**', '**/activities'],
        message: 'api/ never imports activities/: they are worker-only.',
      },
      {
        group: ['../*/routes', '../../api/*/routes'],
        message: "Import another module's service or view, not its routes.",
      },
      { group: ['**/workflows/*/*', '!**/workflows/*/contract'], message: 'api/ imports workflow contracts only.' },
    ),
  },
  {
    // Pure rules: unit-tested without Postgres or Temporal, callable from workflow code.
    files: ['domain/**/*.ts'],
    rules: restrict({
      group: [
        ...ioModules,
        ...nodeIo,
        ...nodeIoBare,
        '**/db/**',
        '**/integrations/**',
        '**/activities/**',
        '**/api/**',
        '**/realtime/**',
        '**/lib/config',
        '**/lib/logger',
      ],
      message: 'domain/ does no I/O.',
    }),
  },
  {
    files: ['db/**/*.ts'],
    rules: restrict({
      group: ['**/integrations/**', '**/api/**', '**/activities/**'],
      message: 'db/ holds SQL only: no outside systems, no HTTP, no worker code.',
    }),
  },
  {
    // Handlers, triggers, activities and the hot path call named functions in db/<module>/.
    files: ['api/**/*.ts', 'activities/**/*.ts', 'realtime/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='tx']",
          message: 'SQL lives in db/<module>/: call a named function there.',
        },
        {
          selector: "CallExpression[callee.property.name='raw']",
          message: 'SQL lives in db/<module>/: call a named function there.',
        },
      ],
    },
  },
  {
    files: ['db/migrations/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Workflow code is replayed in a sandbox: no Node built-ins, activities by type only.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process'],
              message: 'Workflow code must be deterministic: no Node built-ins.',
            },
            {
              group: ['**/activities/**', '**/activities'],
              message: 'Import activities with `import type` only.',
              allowTypeImports: true,
            },
            {
              group: [
                'pg',
                'knex',
                '**/db/**',
                '**/db',
                '**/integrations/**',
                '**/api/**',
                '**/lib/*',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
              ],
              message: 'No I/O in workflow code.',
              allowTypeImports: true,
            },
            noMigrations,
          ],
        },
      ],
    },
  },
);
