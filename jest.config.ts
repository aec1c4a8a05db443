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
  testTimeout: 30_000,
  maxWorkers: 2,
  transform: {
    // Same pattern as the ts-jest preset, so this replaces its entry. isolatedModules (given as a
    // tsconfig override, which ts-jest 29.4 does not flag as deprecated) makes ts-jest transpile
    // each file alone instead of type-checking it; `tsc --noEmit` in scripts/test.sh does the types.
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { isolatedModules: true } }],
  },
};

export default config;
