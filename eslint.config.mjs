// ESLint flat config: typescript-eslint's recommended rules, and the layering of ARCHITECTURE.md as
// import boundaries, so that "one gate to the data" does not rest on review:
//   http -> hub (workflows) -> fhir (repository) -> policy -> store; nothing below http imports express;
//   only the repository (and the in-process loaders) reach the store's connection and collections.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports a folder may not make: `group` patterns are relative to the importing file. */
const layer = (files, patterns, paths = []) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns, paths }] },
});

const EXPRESS = { name: 'express', message: 'Only src/http knows express (ARCHITECTURE: nothing below HTTP imports it).' };
const MONGODB = { group: ['mongodb'], message: 'Only src/store talks to MongoDB.' };
const STORE_ACCESS = {
  group: ['**/store/resource-store', '**/store/audit-store', '**/store/database', '**/store/transaction-journal', '**/store/indexes'],
  message: 'The store is reached only through the repository (src/fhir/hub-repository.ts) or an in-process loader.',
};
// `../hub/**` is the workflows folder (src/hub-parts.ts, the assembled hub's interface, is not a layer).
const up = (...folders) => folders.map((f) => ({ group: [`../${f}/**`], message: `No upward import: ${f} is a layer above this one.` }));

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', '.data/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A variable a closure reads before its one assignment (a server built before its app) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  { files: ['test/**/*.ts', 'scripts/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-require-imports': 'off' } },

  // The layers, bottom up.
  layer(['src/store/**/*.ts'], [...up('policy', 'fhir', 'hub', 'http', 'audit', 'identity')], [EXPRESS]),
  layer(['src/policy/**/*.ts'], [...up('fhir', 'hub', 'http', 'audit'), MONGODB], [EXPRESS]),
  // Within src/fhir only the repository and what it owns reach the store (next entry).
  layer(['src/fhir/**/*.ts'], [...up('hub', 'http'), MONGODB, STORE_ACCESS], [EXPRESS]),
  layer(
    ['src/hub/**/*.ts'],
    [
      ...up('http'),
      MONGODB,
      STORE_ACCESS,
      { group: ['../store/condition', '../store/condition-eval'], message: 'Workflows ask the port (src/fhir/workflow-port.ts), they do not query.' },
    ],
    [EXPRESS]
  ),
  layer(['src/audit/**/*.ts'], [...up('hub', 'http'), MONGODB], [EXPRESS]),
  layer(['src/identity/**/*.ts'], [...up('fhir', 'hub', 'http', 'audit'), MONGODB, STORE_ACCESS], [EXPRESS]),
  layer(['src/http/**/*.ts'], [MONGODB, STORE_ACCESS]),
  // The web views' server side: static pages and the development sign-in, never the data.
  layer(['src/web/**/*.ts'], [...up('fhir', 'policy', 'store', 'hub', 'audit', 'http'), MONGODB, STORE_ACCESS], [EXPRESS]),
  // The message catalogs: every layer raises their codes, so they import none of the layers.
  layer(['src/messages/**/*.ts'], [...up('store', 'policy', 'fhir', 'hub', 'http', 'audit', 'identity', 'federation', 'web'), MONGODB], [EXPRESS]),
  // Federation adapters: below HTTP, above the repository; their own collections come from the assembly.
  layer(['src/federation/**/*.ts'], [...up('http', 'hub'), MONGODB, STORE_ACCESS], [EXPRESS]),
  layer(
    [
      'src/fhir/hub-repository.ts',
      'src/fhir/version-preparation.ts',
      'src/fhir/write-stage.ts',
      'src/fhir/write-commit.ts',
      'src/fhir/scoped-reads.ts',
      'src/fhir/history-reads.ts',
      'src/fhir/link-ending.ts',
    ],
    [...up('hub', 'http'), MONGODB],
    [EXPRESS]
  )
);
