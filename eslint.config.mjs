// ESLint flat config, modelled on immich's server/eslint.config.mjs.
// Type-aware linting (typescript-eslint projectService) for every .ts file listed in tsconfig.json.
// Formatting is Prettier's job: no stylistic rules are enabled here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig([
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'var/**',
      'coverage/**',
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
]);
