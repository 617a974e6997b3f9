import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.kyso/**',
      'bench/results/**',
      'test/fixtures/third_party/plugins/**/*.js' /* real plugin scripts, kept unmodified */,
    ],
  },
  js.configs.recommended,
  // Type-aware rules: floating and misused promises, unsafe `any`, needless assertions, awaits.
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.browser },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.ts', 'native-host/*.js', 'native-host/bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Every intentional `void promise` carries a comment saying why nothing waits for it.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      // Listeners (DOM events, ports, sockets) may be async; a promise returned where void is expected elsewhere is an error.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // Handler tables and interfaces ask for functions that return promises; some answer at once.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Plain JavaScript (the demo page, the bins, configs): no types to check against.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The bins are CommonJS (native-host/bin/package.json): the host starts without the ES-module loader.
    files: ['native-host/bin/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Code that puppeteer runs inside pages and workers (browser globals, untyped page APIs).
    files: ['test/**', 'bench/**', 'demo/run.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Page code is built with new Function so the test runner does not rewrite its import().
      '@typescript-eslint/no-implied-eval': 'off',
      // puppeteer's TargetType enum against the strings it documents.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
);
