import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.kyso/**', 'bench/results/**', 'test/fixtures/plugins/**/*.js' /* real plugin scripts, kept unmodified */] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Code that puppeteer runs inside pages and workers (browser globals, untyped page APIs).
    files: ['test/**', 'bench/**', 'demo/run.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
