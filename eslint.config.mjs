// ESLint flat config, modelled on immich's server/eslint.config.mjs.
// Type-aware linting (typescript-eslint projectService) for every .ts file listed in tsconfig.json.
// Formatting is Prettier's job: no stylistic rules are enabled here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------------
// Module boundaries. A module is a folder of src/ (its module.ts builds it, see src/contract.ts). Its
// tables are its own: no other folder of src/ imports its entities (`entities.ts`, `*-entities.ts`);
// they read through the module's services (accounts/directory.ts...). src/cli is exempt (tools).
// Infrastructure (src/infra) knows no module at all. Route files do HTTP, not database work: no
// typeorm there (the module's services do it).
// ---------------------------------------------------------------------------------------------------
const MODULES = ['accounts', 'ledger', 'payments', 'notifications', 'ussd', 'tontines', 'savings', 'loans'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An import of `<module>/entities` or `<module>/<x>-entities` (with or without an extension or index). */
const entitiesOf = (module) => ({
  regex: `(^|/)${escape(module)}/(entities|[^/]*-entities)(\\.[cm]?[jt]s|/.*)?$`,
  message: `${module}'s entities are its own: use its services (its module.ts, directory or service).`,
});
/** Any relative import into a module's folder. */
const folderOf = (module) => ({
  regex: `^(\\.{1,2}/)+(.*/)?${escape(module)}(/|$)`,
  message: `src/infra is infrastructure: it imports no module (${module}); the module brings its part.`,
});
const otherModules = (own) => MODULES.filter((m) => m !== own);

const moduleBoundaries = [
  // Every folder of src/ that is no module: no module's entities (app.ts, main.ts, http, shared...).
  // The composition root (src/modules.ts) is the one exception: it lists every module's entities for
  // the DataSource, which opens before any module is built (see Module.entities in src/contract.ts).
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**', 'src/modules.ts', ...MODULES.map((m) => `src/${m}/**`)],
    rules: { 'no-restricted-imports': ['error', { patterns: MODULES.map(entitiesOf) }] },
  },
  // Inside a module: its own entities, no other module's.
  ...MODULES.map((own) => ({
    files: [`src/${own}/**/*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: otherModules(own).map(entitiesOf) }] },
  })),
  // src/infra: no module folder at all (entities included).
  {
    files: ['src/infra/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...MODULES.map(folderOf), ...MODULES.map(entitiesOf)] },
      ],
    },
  },
  // Route files: no typeorm (a separate rule, so the module patterns above still apply to them).
  {
    files: ['src/**/routes*.ts', 'src/**/*-routes.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'typeorm', message: 'Route files do no database work: call the module’s services.' },
          ],
          patterns: [
            { regex: '^typeorm/', message: 'Route files do no database work: call the module’s services.' },
          ],
        },
      ],
    },
  },
];

export default defineConfig([
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'var/**',
      'coverage/**',
      // Deliberate rule violations, linted by test/lint/lint-rules.test.ts only.
      'test/lint/fixtures/**',
      'docs/**',
      'bench-results/**',
      // root-level tool configs (jest.config.js, eslint.config.mjs, ...)
      '*.js',
      '*.mjs',
      '*.cjs',
    ],
  },

  js.configs.recommended,
  tseslint.configs.recommended,

  // Rules for every linted file (TypeScript and any stray JavaScript).
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
      'object-shorthand': ['error', 'always'],
      // In src/ use the logger (pino); see the overrides below for cli, scripts and tests.
      'no-console': 'error',
    },
  },

  // TypeScript: type-aware rules, types from tsconfig.json via the project service.
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
  },

  // Any stray JS file outside the root (not covered by tsconfig.json): lint without type information.
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        exports: 'writable',
      },
    },
  },

  // Command-line entry points print to the terminal.
  {
    files: ['src/cli/**'],
    rules: { 'no-console': 'off' },
  },

  // Scripts and tests may print; only tests may use `any`.
  {
    files: ['scripts/**', 'test/**'],
    rules: {
      'no-console': 'off',
    },
  },
  {
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },

  ...moduleBoundaries,
]);
