import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const APPS = [
  'gateway',
  'monitor-registry',
  'scheduler',
  'prober',
  'metrics',
  'notifier',
  'platform',
  'cli',
];
const LIB_BY_ALIAS = {
  group: ['**/libs/*/src/**', '../../libs/**'],
  message: 'Import a lib through its @uptime/* alias.',
};

/** A handler typed by its subject's contract, or none: see `Answers` in libs/bus. */
const ANSWERS_NOT_MESSAGE_PATTERN = {
  name: '@nestjs/microservices',
  importNames: ['MessagePattern', 'Payload'],
  message:
    'Answer a request with @Answers(subject) from @uptime/bus: it validates and types the request and reply by the subject.',
};

/**
 * Only repositories (and what sets the database up) reach it: services and handlers call
 * repositories, so how a row is stored is decided in one place per aggregate.
 */
const DATABASE_CLIENT = {
  group: ['@mikro-orm/*', 'pg', 'pg/*'],
  message:
    'Only *.repository.ts, *.entity.ts, database/ and modules import a database client: call a repository.',
};
const DATABASE_ALLOWED = [
  '**/*.repository.ts',
  '**/*.entity.ts',
  '**/database/**',
  '**/*.module.ts',
  '**/*.spec.ts',
  'test/**',
  'libs/persistence/**',
  'libs/embedded/**',
];

/**
 * Apps never import each other: they talk over NATS, and what two share lives in libs/. Only
 * apps/platform composes the others into one process.
 */
const appBoundary = (app) => ({
  group: APPS.filter((other) => other !== app).flatMap((other) => [
    `**/${other}/src`,
    `**/${other}/src/**`,
  ]),
  message: 'Apps never import another app: use a NATS subject, or move shared code to libs/.',
});

/**
 * The import rules of every file. Rule options do not merge across config blocks (the last block
 * that matches a file sets them all), so each block lists every pattern that applies: each scope
 * twice, with the database rule for the files outside DATABASE_ALLOWED and without it for those in.
 */
const importScopes = [
  { patterns: [LIB_BY_ALIAS] },
  ...APPS.filter((app) => app !== 'platform').map((app) => ({
    files: [`apps/${app}/**/*.ts`],
    paths: [ANSWERS_NOT_MESSAGE_PATTERN],
    patterns: [LIB_BY_ALIAS, appBoundary(app)],
  })),
];
/**
 * The web dashboard runs in browsers and talks to the gateway over HTTP only: no server code,
 * no lib (libs carry zod and Node code), no Node built-ins.
 */
const WEB_APP_BOUNDARY = {
  group: ['@uptime/*', '**/libs/**', '**/apps/*/src/**', 'node:*', '@nestjs/*'],
  message: 'apps/web calls the public REST API only: define the shapes it reads in apps/web/src.',
};
importScopes.push({
  files: ['apps/web/src/**/*.{ts,tsx}'],
  patterns: [WEB_APP_BOUNDARY],
});
const importRules = importScopes.flatMap(({ files, paths = [], patterns }) => [
  { ...(files && { files }), rules: { 'no-restricted-imports': ['error', { paths, patterns }] } },
  {
    ...(files && { files }),
    ignores: DATABASE_ALLOWED,
    rules: {
      'no-restricted-imports': ['error', { paths, patterns: [...patterns, DATABASE_CLIENT] }],
    },
  },
]);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  ...importRules,
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    languageOptions: { parserOptions: { ecmaFeatures: { jsx: true } } },
  },
);
