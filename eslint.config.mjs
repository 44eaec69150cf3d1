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
];
const LIB_BY_ALIAS = {
  group: ['**/libs/*/src/**', '../../libs/**'],
  message: 'Import a lib through its @uptime/* alias.',
};

/**
 * Apps never import each other: they talk over NATS, and what two share lives in libs/. Only
 * apps/platform composes the others into one process. (Rule options do not merge across config
 * blocks, so each block repeats the lib-alias pattern.)
 */
const appBoundaries = APPS.filter((app) => app !== 'platform').map((app) => ({
  files: [`apps/${app}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          LIB_BY_ALIAS,
          {
            group: APPS.filter((other) => other !== app).flatMap((other) => [
              `**/${other}/src`,
              `**/${other}/src/**`,
            ]),
            message:
              'Apps never import another app: use a NATS subject, or move shared code to libs/.',
          },
        ],
      },
    ],
  },
}));

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
      'no-restricted-imports': ['error', { patterns: [LIB_BY_ALIAS] }],
    },
  },
  ...appBoundaries,
);
