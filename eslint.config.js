// ESLint flat config: typescript-eslint recommended rules, plus the import boundaries of docs/architecture.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Folders of the collector that are imported only through their index.ts (docs/architecture.md, "Import rules").
const COLLECTOR_FOLDERS = [
  'buffer',
  'dcr',
  'destinations',
  'net',
  'pipeline',
  'sources/heartbeat',
  'sources/perf',
  'sources/syslog',
  'sources/text-logs',
  'transform',
];
// Folder names are unique outside test/, so `**/<name>/*` matches every relative path into the folder (paths
// into test/, e.g. a benchmark's fixtures, are let through).
const throughIndex = (folder) => {
  const name = folder.split('/').pop();
  return {
    group: [`**/${name}/*`, `!**/${name}/index.js`, '!**/test/**'],
    message: `outside agent/collector/${folder}/, import its index.js, not its modules (docs/architecture.md).`,
  };
};
const COLLECTOR_ONE_WAY = {
  group: ['**/handler/**', '**/agent/supervisor/**', '**/agent/doctor/**', '**/harness/**', '**/deploy/**'],
  message: 'agent/collector never imports handler/, agent/supervisor or agent/doctor (docs/architecture.md).',
};
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

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
    // Everything but the handler (which imports no collector code at all) and the tests (which unit-test
    // folder internals) reaches a collector folder through its index.
    files: ['**/*.ts'],
    ignores: ['test/**', 'handler/**', 'agent/collector/**', 'agent/doctor/**'],
    rules: restrict(COLLECTOR_FOLDERS.map(throughIndex)),
  },
  {
    files: ['handler/**/*.ts'],
    rules: restrict([
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
    ]),
  },
  {
    files: ['agent/collector/**/*.ts'],
    rules: restrict([COLLECTOR_ONE_WAY, ...COLLECTOR_FOLDERS.map(throughIndex)]),
  },
  // Inside a folder its own modules import each other directly.
  ...COLLECTOR_FOLDERS.map((folder) => ({
    files: [`agent/collector/${folder}/**/*.ts`],
    rules: restrict([COLLECTOR_ONE_WAY, ...COLLECTOR_FOLDERS.filter((f) => f !== folder).map(throughIndex)]),
  })),
  {
    files: ['agent/doctor/**/*.ts'],
    rules: restrict([
      {
        group: ['**/handler/**', '**/agent/supervisor/*.js', '**/harness/**', '**/deploy/**', '**/cli/**'],
        message:
          'agent/doctor reads the agent through agent/config, agent/telemetry, agent/collector and agent/supervisor/control only (docs/architecture.md).',
      },
      ...COLLECTOR_FOLDERS.map(throughIndex),
    ]),
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
