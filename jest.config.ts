import type { Config } from 'jest';

// One FerretDB is started for the whole run (test/support/global-setup.ts) unless MONGODB_URI is set;
// test files isolate themselves by database name (test/support/database.ts).
const config: Config = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
  transform: {
    // Same pattern as the ts-jest preset, so this replaces its entry. isolatedModules (given as a
    // tsconfig override, which ts-jest 29.4 does not flag as deprecated) makes ts-jest transpile
    // each file alone instead of type-checking it; `tsc --noEmit` in scripts/test.sh does the types.
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { isolatedModules: true } }],
    // fhir-kit-client ships ES modules only (test/http/real-clients.test.ts): compiled to CommonJS like our own code.
    '^.+/node_modules/fhir-kit-client/.+\\.js$': ['ts-jest', { tsconfig: { isolatedModules: true, allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!fhir-kit-client/)'],
  // Its package.json exports only an `import` condition, which jest's CommonJS resolver skips.
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
};

export default config;
