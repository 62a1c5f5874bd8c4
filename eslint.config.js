// ESLint flat config: typescript-eslint recommended rules, plus the import boundaries of docs/architecture.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.cache/**',
      'coverage/**',
      '**/*.generated.*',
      'settings-schemas/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['handler/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/agent/collector/**',
                '**/agent/supervisor/*.js',
                '**/agent/doctor/**',
                '**/harness/**',
                '**/deploy/**',
              ],
              message:
                'handler/ imports only handler/*, agent/config, agent/supervisor/control and agent/telemetry (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['agent/collector/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/handler/**', '**/agent/supervisor/**', '**/agent/doctor/**', '**/harness/**', '**/deploy/**'],
              message:
                'agent/collector never imports handler/, agent/supervisor or agent/doctor (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['agent/doctor/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/handler/**', '**/agent/supervisor/*.js', '**/harness/**', '**/deploy/**', '**/cli/**'],
              message:
                'agent/doctor reads the agent through agent/config, agent/telemetry, agent/collector and agent/supervisor/control only (docs/architecture.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        module: 'writable',
        require: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearTimeout: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
      },
    },
  },
);
